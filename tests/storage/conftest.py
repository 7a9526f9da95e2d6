"""Media storage tests: the S3 server (tests/storage_fixtures.py), the live server with its
Pinterest sandbox, and the official SDK, shared from the pipeline and API suites. ``media_root``
(autouse) is a fresh, empty local media folder: tests on S3 check nothing is ever written to it."""

from tests.api.conftest import keyed, login, sdk, server  # noqa: F401
from tests.pipeline_fixtures import account, board, sandbox, workspace  # noqa: F401
from tests.services.assets.conftest import media_root  # noqa: F401
from tests.storage_fixtures import s3_server, s3_settings_shape, s3_storage  # noqa: F401
