"""LOG_FORMAT=json: one JSON object per line (python-json-logger), the API request line included;
plain logs stay readable. SENTRY_DSN turns error reporting on, without personal data."""

import json
import os
import subprocess
import sys

from django.conf import settings

from tests.foundation.test_settings_module import CONFIG_VARIABLES, PRODUCTION

REQUEST_HEALTHZ = (
    "import django, logging; django.setup(); from django.test import Client; "
    "Client().get('/healthz', headers={'X-Request-ID': 'trace-0123456789'}); "
    "logging.getLogger('publishing.example').warning('plain event %s', 7, extra={'pin_count': 3})"
)
PRINT_SENTRY = (
    "import json, django; django.setup(); import sentry_sdk; client = sentry_sdk.get_client(); "
    "print(json.dumps({'active': client.is_active(), 'pii': client.options.get('send_default_pii'), "
    "'environment': client.options.get('environment'), 'release': client.options.get('release'), "
    "'integrations': sorted(client.integrations)}))"
)


def run_with(code: str, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES and not k.startswith(("LOG_", "SENTRY_"))}
    clean.update(
        PRODUCTION,
        ALLOWED_HOSTS="testserver",
        PINBOARD_ENV_FILE="",
        DJANGO_SETTINGS_MODULE="pinboard_site.settings",
        **env,
    )
    result = subprocess.run([sys.executable, "-c", code], env=clean, cwd=settings.BASE_DIR, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result


def test_json_logs_are_one_object_per_line_with_the_request_fields():
    lines = [line for line in run_with(REQUEST_HEALTHZ, LOG_FORMAT="json").stderr.splitlines() if line.strip()]
    events = [json.loads(line) for line in lines]  # every line is one JSON object
    request = next(event for event in events if event.get("event") == "api_request")
    assert request["logger"] == "pinboard.api.requests" and request["level"] == "INFO"
    assert request["path"] == "/healthz" and request["status"] == 200 and request["method"] == "GET"
    assert request["request_id"] == "trace-0123456789" and isinstance(request["duration_ms"], float)
    other = next(event for event in events if event["logger"] == "publishing.example")
    assert other["message"] == "plain event 7" and other["pin_count"] == 3


def test_plain_logs_stay_readable_lines():
    output = run_with(REQUEST_HEALTHZ, LOG_FORMAT="plain").stderr
    request_line = next(line for line in output.splitlines() if "pinboard.api.requests" in line)
    assert "GET /healthz 200" in request_line and "request_id=trace-0123456789" in request_line
    assert "{" not in request_line


def test_an_unknown_log_format_is_refused():
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    clean.update(PRODUCTION, LOG_FORMAT="xml", PINBOARD_ENV_FILE="", DJANGO_SETTINGS_MODULE="pinboard_site.settings")
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=clean,
                            cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "LOG_FORMAT must be 'plain' or 'json'" in result.stderr


def test_sentry_is_off_without_a_dsn():
    assert json.loads(run_with(PRINT_SENTRY).stdout)["active"] is False


def test_sentry_dsn_turns_on_error_reporting_with_django_and_without_personal_data():
    # A DSN to a local port nobody listens on: initialising sends nothing.
    loaded = json.loads(run_with(PRINT_SENTRY, SENTRY_DSN="http://public@127.0.0.1:9/1",
                                 SENTRY_ENVIRONMENT="staging", SENTRY_RELEASE="pinboard@test").stdout)
    assert loaded["active"] is True and loaded["pii"] is False
    assert loaded["environment"] == "staging" and loaded["release"] == "pinboard@test"
    assert "django" in loaded["integrations"]
