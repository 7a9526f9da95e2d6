"""Operating a deployment: probes, logs, metrics, error reporting. Uses the pipeline's fixtures."""

from tests.pipeline_fixtures import *  # noqa: F403
