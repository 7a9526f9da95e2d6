"""The settings module itself, loaded in a fresh interpreter with a chosen environment."""

import os
import subprocess
import sys

from django.conf import settings

PRINT_SETTINGS = (
    "import json, django; from django.conf import settings; "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'name': str(settings.DATABASES['default']['NAME']), 'secure': settings.SESSION_COOKIE_SECURE, "
    "'debug': settings.DEBUG, 'q': sorted(settings.Q_CLUSTER), 'cache': settings.CACHES['default']}))"
)


# What the suite's own environment (tests/settings.py) sets: none of it may leak into these subprocesses.
CONFIG_VARIABLES = {"DATABASE_URL", "DEBUG", "SECRET_KEY", "REDIS_URL", "PINBOARD_VAR_DIR", "SECURE_COOKIES",
                    "SITE_URL", "FIELD_ENCRYPTION_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "PACING_REDIS_URL",
                    "CACHE_REDIS_URL"}
PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "x" * 50, "SITE_URL": "https://pinboard.example.com",
              "FIELD_ENCRYPTION_KEY": "dGVzdC1maWVsZC1rZXktbm90LWZvci1wcm9kdWN0aW8="}


def load_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    clean.update(env, DJANGO_SETTINGS_MODULE="pinboard_site.settings", PINBOARD_ENV_FILE="")
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], env=clean, cwd=settings.BASE_DIR, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_secret_key():
    result = load_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_debug_defaults_to_sqlite_under_var_and_orm_broker():
    import json

    result = load_settings(DEBUG="true")
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["name"].endswith("var/pinboard.sqlite3")
    assert "orm" in loaded["q"] and "redis" not in loaded["q"]
    assert loaded["cache"]["BACKEND"].endswith("LocMemCache")  # one process: its memory is the one place


def test_postgres_url_uses_postgresql_backend_and_redis_url_switches_broker():
    import json

    result = load_settings(
        **PRODUCTION, DATABASE_URL="postgres://u@127.0.0.1:5432/pinboard",
        REDIS_URL="redis://127.0.0.1:6379/3",
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["engine"] == "pinboard_site.postgresql"
    assert loaded["name"] == "pinboard"
    assert loaded["secure"] is True
    # Several web nodes count the review page's throttle together: in Redis, not in each one's memory.
    assert loaded["cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert loaded["cache"]["LOCATION"] == "redis://127.0.0.1:6379/3"
    assert "redis" in loaded["q"] and "orm" not in loaded["q"]


def test_q_cluster_timeout_is_below_retry():
    assert settings.Q_CLUSTER["timeout"] < settings.Q_CLUSTER["retry"]
