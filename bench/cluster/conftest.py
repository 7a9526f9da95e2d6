"""The suite's fixtures for the benchmark's measuring run (bench/publishing.py)."""

from tests.conftest import cast  # noqa: F401
from tests.pipeline_fixtures import *  # noqa: F403
