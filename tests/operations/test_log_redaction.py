"""Credentials in URLs never reach a log line: OAuth ``code``/``state``, invitation and verification
tokens, the password-reset token (a path segment), signatures, ``user:pass@``. Checked in the lines
each writer produces: gunicorn's access log and Django's logging under scripts/web (JSON logs), Django's
logging in plain and DEBUG modes (its own console handler), the API request log's fields, and the
gunicorn that ``manage.py serve`` starts."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from pathlib import Path

import httpx

from pinboard_site.log_redaction import redact
from tests.foundation.test_production_server import BASE_DIR, database_url, production_env  # noqa: F401 - fixture
from tests.foundation.test_serve_command import start_serve
from tests.operations.gunicorn_server import start_web, stop_web
from tests.operations.test_logging_and_sentry import run_with

# Every secret starts with "SECRET" so one search over the output finds any that leaked.
REQUESTS = [
    "/app/accounts/oauth/callback?code=SECRETcode1&state=SECRETstate1",
    "/v1/pinterest/oauth/callback?state=SECRETstate2&code=SECRETcode2",
    "/app/invitations/accept?token=SECRETinvite3",
    "/v1/auth/email/verify?token=SECRETverify4",  # an API 404: django.request warns with the request
    "/accounts/reset/MQ/SECRETreset5-abcdef/",
    "/accounts/reset/MQ/SECRETreset6-abcdef/no-such-page",  # a 404 whose path holds the token
    "/no-such-page?api_key=SECRETkey7&page=2",
]
REFERER = "https://pinboard.example/app/accounts/oauth/callback?code=SECRETreferer8"


def test_redact_keeps_the_shape_and_drops_only_credentials():
    assert redact("GET /app/accounts/oauth/callback?code=abc&state=xyz&page=2 HTTP/1.1") == (
        "GET /app/accounts/oauth/callback?code=[redacted]&state=[redacted]&page=2 HTTP/1.1")
    assert redact("/accounts/reset/MQ/c5k-0123abcd/") == "/accounts/reset/MQ/[redacted]/"
    assert redact("/accounts/reset/MQ/set-password/") == "/accounts/reset/MQ/set-password/"
    assert redact("token=abc&status=failed") == "token=[redacted]&status=failed"  # a bare QUERY_STRING
    assert redact("https://user:pass@hooks.example/x?X-Amz-Signature=ff&X-Amz-Credential=a%2Fb") == (
        "https://[redacted]@hooks.example/x?X-Amz-Signature=[redacted]&X-Amz-Credential=[redacted]")
    # Each on its own, with nothing else in the text that could match (a quick check skips the searches).
    assert redact("redis://:hunter2@cache.internal:6379/0") == "redis://[redacted]@cache.internal:6379/0"
    assert redact("/review/SECRETreview") == "/review/[redacted]"
    assert redact("3f2a-0c1d api_key bearer") == "3f2a-0c1d api_key bearer"
    assert redact("GET /v1/pins?status=failed&q=summer 200 auth=api_key") == (
        "GET /v1/pins?status=failed&q=summer 200 auth=api_key")


def assert_redacted(output: str, *expected_fragments: str) -> None:
    assert "SECRET" not in output, [line for line in output.splitlines() if "SECRET" in line]
    for fragment in expected_fragments:
        assert fragment in output, f"{fragment!r} not logged:\n{output[-3000:]}"


def test_gunicorn_and_django_lines_under_scripts_web_carry_no_secret(production_env, tmp_path):  # noqa: F811
    web, server = start_web({**production_env, "LOG_FORMAT": "json"}, tmp_path / "web.log")
    try:
        with httpx.Client(base_url=server.base_url, timeout=20, headers={"Referer": REFERER}) as client:
            statuses = {path: client.get(path).status_code for path in REQUESTS}
    finally:
        stop_web(web)
    output = server.log()
    assert statuses[REQUESTS[3]] == 404 and statuses[REQUESTS[5]] == 404, statuses
    assert_redacted(
        output,
        # gunicorn's access lines: request line and referrer
        '"GET /app/accounts/oauth/callback?code=[redacted]&state=[redacted] HTTP/1.1" 302',
        '"GET /app/invitations/accept?token=[redacted] HTTP/1.1"',
        '"GET /accounts/reset/MQ/[redacted]/ HTTP/1.1" 200',
        '"GET /no-such-page?api_key=[redacted]&page=2 HTTP/1.1" 404',
        "callback?code=[redacted]\"",  # the Referer
    )
    events = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    api = [event for event in events if event.get("event") == "api_request"]
    verify = next(event for event in api if event["path"] == "/v1/auth/email/verify")
    assert verify["query"] == "token=[redacted]" and verify["status"] == 404
    callback = next(event for event in api if event["path"] == "/v1/pinterest/oauth/callback")
    assert callback["query"] == "state=[redacted]&code=[redacted]"
    warnings = [event for event in events if event.get("logger") == "django.request"]
    assert any(event["message"] == "Not Found: /accounts/reset/MQ/[redacted]/no-such-page" for event in warnings), (
        warnings
    )
    # django.request passes the request itself; its text (query string included) is redacted too.
    assert any("token=[redacted]" in str(event.get("request")) for event in warnings), warnings


REQUEST_AND_LOG = (
    "import django, logging; django.setup(); from django.test import Client; c = Client(); "
    f"[c.get(path, HTTP_REFERER={REFERER!r}) for path in {REQUESTS!r}]; "
    "logging.getLogger('publishing.example').warning('fetching %s', 'https://u:SECRETpw9@x.example/?token=SECRETt10', "
    "extra={'url': 'https://x.example/cb?code=SECRETextra11', 'details': {'next': '/?state=SECRETnested12'}}); "
    "exec('try:\\n raise ValueError(\"bad /?signature=SECRETtrace13\")\\nexcept ValueError:\\n "
    "logging.getLogger(\"publishing.example\").exception(\"failed\")')"
)


def test_django_logging_redacts_messages_extra_fields_and_tracebacks_in_every_format(production_env):  # noqa: F811
    # The pages render with DEBUG off: their static files collected first, as a release does.
    subprocess.run([str(BASE_DIR / "scripts/release"), "static"], env=production_env, check=True, capture_output=True,
                   timeout=300)
    common = {"DATABASE_URL": database_url(), "STATIC_ROOT": production_env["STATIC_ROOT"]}
    for env in ({"LOG_FORMAT": "plain"}, {"LOG_FORMAT": "json"}, {"LOG_FORMAT": "plain", "DEBUG": "true"}):
        output = run_with(REQUEST_AND_LOG, **common, **env).stderr
        assert_redacted(output, "Not Found: /accounts/reset/MQ/[redacted]/no-such-page",
                        "fetching https://[redacted]@x.example/?token=[redacted]", "signature=[redacted]")
        if env["LOG_FORMAT"] == "json":
            event = next(json.loads(line) for line in output.splitlines() if '"fetching' in line)
            assert event["url"] == "https://x.example/cb?code=[redacted]"
            assert event["details"] == {"next": "/?state=[redacted]"}  # still an object


def test_manage_py_serve_access_log_carries_no_secret(tmp_path):
    server, port = start_serve(tmp_path, "--no-worker")
    try:
        for path in REQUESTS[:3]:
            httpx.get(f"http://127.0.0.1:{port}{path}", timeout=20)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    assert_redacted((tmp_path / "serve.log").read_text(),
                    '"GET /app/accounts/oauth/callback?code=[redacted]&state=[redacted] HTTP/1.1" 302')


def test_sentry_reports_carry_no_secret_but_still_say_what_failed_where():
    """URLs' tokens and codes, the referrer, a form body and a frame's local variables, all reachable from a
    failing view, stay out of the reports and traces Sentry would send (the envelopes are kept, not sent)."""
    probe = (Path(__file__).parent / "sentry_report_probe.py").read_text()
    envelopes = json.loads(run_with(probe, SENTRY_DSN="http://public@127.0.0.1:9/1",
                                    SENTRY_TRACES_SAMPLE_PERCENT="100").stdout)
    assert sum('"type":"transaction"' in envelope for envelope in envelopes) == 2  # the traces are checked too
    events = [json.loads(line) for envelope in envelopes for line in envelope.splitlines() if '"exception"' in line]
    assert [event["request"]["method"] for event in events] == ["GET", "POST"]
    assert all(event["exception"]["values"][0]["type"] == "RuntimeError" for event in events)
    assert events[0]["request"]["url"] == "http://testserver/review/[redacted]"
    assert events[0]["request"]["query_string"] == "code=[redacted]&page=2"
    crumbs = [crumb["message"] for crumb in events[0]["breadcrumbs"]["values"]]
    assert "opening /accounts/reset/MQ/[redacted]/" in crumbs
    assert re.findall(r"SECRET\w*", "".join(envelopes)) == []
