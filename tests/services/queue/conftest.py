"""The pipeline fixtures: see tests/pipeline_fixtures.py."""

from tests.pipeline_fixtures import *  # noqa: F403
