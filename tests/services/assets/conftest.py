from pathlib import Path

import pytest
from django.core.files import File

from publishing.models import Workspace


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """Real file storage in a fresh folder per test."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture
def workspace(cast) -> Workspace:
    return cast.team.workspaces.get(environment=Workspace.Environment.SANDBOX)


@pytest.fixture
def other_workspace(cast) -> Workspace:
    return cast.other_team.workspaces.get(environment=Workspace.Environment.SANDBOX)


@pytest.fixture
def opened(tmp_path):
    """``opened(path, name=...)``: a file on disk as an upload, read in chunks like Django's temp uploads."""
    handles = []

    def open_upload(path: Path, name: str | None = None) -> File:
        handle = Path(path).open("rb")
        handles.append(handle)
        return File(handle, name=name or Path(path).name)

    yield open_upload
    for handle in handles:
        handle.close()



# The worker cluster fixture comes from the pipeline tests (it needs their ``sandbox`` fixture).
from tests.pipeline_fixtures import sandbox, start_cluster  # noqa: E402,F401
from tests.services.live_sandbox import connected_account, live_sandbox, sandbox_workspace  # noqa: E402,F401
