"""Production settings refuse to start unsafe, and the documented production environment
(.env.example, with its two secrets filled in) passes ``manage.py check --deploy``."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from dotenv import dotenv_values

from tests.foundation.test_settings_module import CONFIG_VARIABLES, PRODUCTION, load_settings

PRINT_SECURITY = (
    "import json, django; from django.conf import settings as s; print(json.dumps({"
    "'hosts': s.ALLOWED_HOSTS, 'origins': s.CSRF_TRUSTED_ORIGINS, 'site': s.SITE_URL, "
    "'hsts': [s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD], "
    "'redirect': s.SECURE_SSL_REDIRECT}))"
)


def production_without(name: str) -> dict:
    return {key: value for key, value in PRODUCTION.items() if key != name}


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEY", "SITE_URL"])
def test_production_refuses_to_start_without_each_required_variable(missing):
    result = load_settings(**production_without(missing))
    assert result.returncode != 0
    assert f"{missing} must be set when DEBUG is off" in result.stderr


def test_production_refuses_a_malformed_encryption_key_or_site_url():
    bad_key = load_settings(**{**PRODUCTION, "FIELD_ENCRYPTION_KEY": "my-secret-passphrase"})
    assert bad_key.returncode != 0 and "FIELD_ENCRYPTION_KEY: key 1 of 1 is not a Fernet key" in bad_key.stderr
    assert "my-secret-passphrase" not in bad_key.stderr
    bad_url = load_settings(**{**PRODUCTION, "SITE_URL": "pinboard.example.com"})
    assert bad_url.returncode != 0 and "SITE_URL must be an absolute http(s) URL" in bad_url.stderr


def security_settings(**env) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    clean.update(env, DJANGO_SETTINGS_MODULE="pinboard_site.settings", PINBOARD_ENV_FILE="")
    result = subprocess.run([sys.executable, "-c", PRINT_SECURITY], env=clean, cwd=settings.BASE_DIR,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_allowed_hosts_and_csrf_origins_derive_from_site_url():
    loaded = security_settings(**{**PRODUCTION, "SITE_URL": "https://pins.example.org:8443/"})
    assert loaded["site"] == "https://pins.example.org:8443"
    assert loaded["hosts"][0] == "pins.example.org" and "evil.example" not in loaded["hosts"]
    assert loaded["origins"] == ["https://pins.example.org:8443"]


def test_allowed_hosts_and_csrf_origins_given_explicitly_win():
    loaded = security_settings(**PRODUCTION, ALLOWED_HOSTS="a.example,b.example",
                               CSRF_TRUSTED_ORIGINS="https://a.example")
    assert loaded["hosts"] == ["a.example", "b.example"] and loaded["origins"] == ["https://a.example"]


def test_hsts_and_ssl_redirect_come_from_the_environment_under_djangos_names():
    assert security_settings(**PRODUCTION)["hsts"] == [0, False, False]
    loaded = security_settings(**PRODUCTION, SECURE_HSTS_SECONDS="31536000", SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
                               SECURE_HSTS_PRELOAD="true", SECURE_SSL_REDIRECT="true")
    assert loaded["hsts"] == [31536000, True, True] and loaded["redirect"] is True


def documented_production_environment(tmp_path) -> dict:
    """.env.example as a deployer copies it: only the secrets it leaves blank are filled in."""
    documented = {key: value for key, value in dotenv_values(settings.BASE_DIR / ".env.example").items() if value}
    assert documented["DEBUG"] == "false"
    documented["SECRET_KEY"] = secrets.token_urlsafe(50)
    documented["FIELD_ENCRYPTION_KEY"] = Fernet.generate_key().decode()
    documented["PINBOARD_VAR_DIR"] = str(tmp_path)
    return documented


def check_deploy(env: dict) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE: the e2e suite sets it for its own process; no deployment has it.
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
             and not k.startswith(("SECURE_", "AWS_"))}
    clean.update(env, DJANGO_SETTINGS_MODULE="pinboard_site.settings", PINBOARD_ENV_FILE="")
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env=clean,
                          cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120)


def test_check_deploy_passes_with_the_documented_production_environment(tmp_path):
    result = check_deploy(documented_production_environment(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_when_the_documented_hsts_is_taken_away(tmp_path):
    """The check above can fail: without HSTS, Django's deploy checks warn and the command exits non-zero."""
    env = documented_production_environment(tmp_path)
    env.pop("SECURE_HSTS_SECONDS")
    result = check_deploy(env)
    assert result.returncode != 0 and "security.W004" in result.stderr
