"""The production topology's fixtures: the suite's S3 server (tests/storage_fixtures.py)."""

from tests.storage_fixtures import s3_server  # noqa: F401
