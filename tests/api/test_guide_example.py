"""The Python SDK guide's example, run as written against Pinboard with only ``base_url`` changed,
and its pin followed until Pinterest (the built-in sandbox) has published it."""

import contextlib
import io

import pytest
from pinbridge_sdk import PinbridgeClient

from publishing.permissions import Role
from tests.conftest import make_member
from tests.media import make_mp4
from tests.pipeline_fixtures import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

# Verbatim from the guide ("Example"), but for base_url.
GUIDE_EXAMPLE = '''
from pinbridge_sdk import PinbridgeClient
from pinbridge_sdk.models import LoginRequest, PinCreate
with PinbridgeClient(base_url="https://api.pinbridge.io") as client:
    auth = client.auth.login(LoginRequest(email="you@example.com", password="super-secret"))
    client.set_bearer_token(auth.access_token)
    accounts = client.pinterest.list_accounts()
    boards = client.pinterest.list_boards(accounts[0].id)
    asset = client.assets.upload_video("./pin-video.mp4", content_type="video/mp4")
    pin = client.pins.create(
        PinCreate(
            account_id=accounts[0].id,
            board_id=boards[0].id,
            title="SDK workflow pin",
            asset_id=asset.id,
            idempotency_key="sdk-workflow-pin-001",
        )
    )
    print(pin.id, pin.status)
'''


def test_the_guide_example_publishes_a_video_pin(server, cast, account, worker, tmp_path, monkeypatch):
    you = make_member(cast.team, "you@example.com", Role.ADMIN)
    you.set_password("super-secret")
    you.save()
    make_mp4(tmp_path / "pin-video.mp4", seconds=5)
    monkeypatch.chdir(tmp_path)

    printed = io.StringIO()
    namespace = {}
    with contextlib.redirect_stdout(printed):
        exec(GUIDE_EXAMPLE.replace("https://api.pinbridge.io", server), namespace)
    pin_id, status = printed.getvalue().split()
    assert status == "PinStatus.QUEUED" or status == "queued"
    assert namespace["asset"].asset_type.value == "video" and namespace["pin"].media_type.value == "video"

    with PinbridgeClient(base_url=server, bearer_token=namespace["auth"].access_token) as client:
        job = wait_for(lambda: (job := client.jobs.get(pin_id)).status.value in ("published", "failed") and job,
                       timeout=90, interval=0.5, message="the video pin to publish")
        assert job.status.value == "published", (job.error_code, job.error_message)
        pin = client.pins.get(pin_id)
    assert pin.pinterest_pin_id and pin.published_at and pin.board_id == namespace["boards"][0].id
