"""Test settings: the real settings module, with test-only values set before it is read."""

import atexit
import os
import shutil
import tempfile

os.environ["PINBOARD_ENV_FILE"] = ""  # a developer's .env must not change what the suite runs with
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# Production requires both (DEBUG is off here). SITE_URL keeps the value the suite always had (the old
# default); tests that run a live server point SITE_URL at it themselves (tests/pipeline_fixtures.py).
os.environ.setdefault("SITE_URL", "http://127.0.0.1:8000")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "dGVzdC1maWVsZC1rZXktbm90LWZvci1wcm9kdWN0aW8=")  # test-only Fernet key
os.environ.setdefault("SECURE_COOKIES", "false")
# One per test process: made where none is inherited from the same process (the clusters and servers
# a test starts share their test process's), and removed when the process that made it ends: /tmp
# kept one per run. pytest-xdist's workers inherit their controller's, so each makes its own.
if "PINBOARD_VAR_DIR" not in os.environ or (
    os.environ.get("PINBOARD_VAR_DIR_WORKER", "") != os.environ.get("PYTEST_XDIST_WORKER", "")
):
    os.environ["PINBOARD_VAR_DIR"] = tempfile.mkdtemp(prefix="pinboard-test-")
    os.environ["PINBOARD_VAR_DIR_WORKER"] = os.environ.get("PYTEST_XDIST_WORKER", "")
    atexit.register(shutil.rmtree, os.environ["PINBOARD_VAR_DIR"], ignore_errors=True)

from pinboard_site.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never in production
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A django-q2 cluster a test starts is another process, whose locmem outbox the test cannot read: the
# test may pass it PINBOARD_TEST_EMAIL_DIR (start_cluster's extra_env) and read the files it writes.
if os.environ.get("PINBOARD_TEST_EMAIL_DIR"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["PINBOARD_TEST_EMAIL_DIR"]

# A file, not memory, for SQLite test databases: the live server's threads and a real
# django-q2 cluster's processes must all see the same data.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(os.environ["PINBOARD_VAR_DIR"], "test.sqlite3")}  # noqa: F405
WHITENOISE_AUTOREFRESH = True  # no collectstatic in tests

# PostgreSQL: the same backend, but tests empty tables with DELETE rather than TRUNCATE (the suite's
# largest cost was TRUNCATE after each transactional test: tests/postgresql_delete_flush/base.py).
if DATABASES["default"]["ENGINE"] == "pinboard_site.postgresql":  # noqa: F405
    DATABASES["default"]["ENGINE"] = "tests.postgresql_delete_flush"  # noqa: F405
    # A throwaway database: a commit need not wait for its WAL to reach the disk (0.25 ms instead of
    # 0.78 ms here, and the transactional tests, the live server and the clusters commit often). A
    # crash could lose the last commits, never corrupt the database.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"  # noqa: F405

# A django-q2 cluster that a test starts (tests/jobs/conftest.py) is another process: the fixture
# passes it the test database's name here, so the workers use the very database the test sees.
if os.environ.get("PINBOARD_TEST_DATABASE_NAME"):
    DATABASES["default"]["NAME"] = os.environ["PINBOARD_TEST_DATABASE_NAME"]  # noqa: F405

# The credential cache trusts that every change commits (its epoch changes on commit), and most tests
# roll their transaction back instead: they read credentials from the database, as the embedded
# default does. tests/api/test_credential_cache.py turns it on, on Redis, with real commits; the
# production topology's nodes run with it.
CREDENTIAL_CACHE_SECONDS = 0
API_LIST_CACHE_SECONDS = 0
