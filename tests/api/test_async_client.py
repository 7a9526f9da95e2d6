"""The async client (``AsyncPinbridgeClient``) over every core area, in both auth modes.

The sync client's behaviour is covered area by area in the other files; this walks the same
server through the async client, so both of the SDK's clients are known to work unmodified.
"""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from pinbridge_sdk import AsyncPinbridgeClient
from pinbridge_sdk.errors import AuthenticationError, NotFoundError
from pinbridge_sdk.models import (
    APIKeyCreate,
    BoardCreateRequest,
    LoginRequest,
    PinImportCreate,
    PinUpdate,
    ScheduleCreate,
    ScheduleUpdate,
    TeamInvitationCreateRequest,
    WebhookCreate,
)

from publishing.access import Actor
from publishing.services.keys import api_key_create
from tests.api.conftest import pin_create
from tests.conftest import PASSWORD
from tests.media import make_png

pytestmark = pytest.mark.django_db(transaction=True)


async def tour(client: AsyncPinbridgeClient, *, account, board, png, as_user: bool) -> dict:
    seen = {}
    seen["root"] = (await client.system.root()).service
    seen["health"] = (await client.system.health()).status
    seen["projects"] = (await client.projects.list()).organization.name
    seen["accounts"] = [a.id for a in await client.pinterest.list_accounts()]
    boards = await client.pinterest.list_boards(account.public_id)
    access = await client.pinterest.check_board_access(boards[0].id, account_id=account.public_id)
    seen["publishable"] = access.publishable
    new_board = await client.pinterest.create_board(BoardCreateRequest(account_id=account.public_id, name="Async"))
    await client.pinterest.delete_board(new_board.id, account_id=account.public_id)

    asset = await client.assets.upload_image(png)
    seen["asset_bytes"] = len(await client.assets.get_content(asset.id))
    seen["assets_total"] = (await client.assets.list()).total

    pin = await client.pins.create(pin_create(account, board, image_url=None, asset_id=asset.id))
    seen["validate"] = (await client.pins.validate(pin_create(account, board, idempotency_key="v"))).valid
    batch = await client.pins.create_batch([pin_create(account, board, idempotency_key="b1")])
    seen["batch_created"] = batch.created_count
    await client.pins.update(pin.id, PinUpdate(title="Async chair"))
    seen["pin_title"] = (await client.pins.get(pin.id)).title
    seen["page_total"] = (await client.pins.list_page(limit=1)).total
    seen["job"] = (await client.jobs.get(pin.id)).status.value
    seen["bulk_retry_skipped"] = (await client.pins.bulk_retry([pin.id])).skipped_count
    job = await client.pins.import_json(
        [
            PinImportCreate(
                account_id=account.public_id,
                board_id=board.pinterest_board_id,
                title="Imported",
                image_url="https://images.example.com/i.jpg",
                idempotency_key="i1",
            )
        ]
    )
    seen["import_rows"] = (await client.pins.get_import(job.id)).total_rows
    await client.pins.delete(pin.id)

    schedule = await client.schedules.create(ScheduleCreate(
        account_id=account.public_id, board_id=board.pinterest_board_id, title="Async later",
        image_url="https://images.example.com/later.jpg", run_at=datetime.now(UTC) + timedelta(days=1)))
    await client.schedules.update(schedule.id, ScheduleUpdate(title="Async later, renamed"))
    seen["schedules_total"] = (await client.schedules.list_page()).total
    seen["schedule_status"] = (await client.schedules.cancel(schedule.id)).status.value
    seen["bulk_delete_ok"] = (await client.schedules.bulk_delete([schedule.id])).succeeded_count

    hook = await client.webhooks.create(WebhookCreate(url="https://hooks.example.com/a", secret="0123456789abcdef"))
    seen["webhooks"] = len(await client.webhooks.list())
    await client.webhooks.delete(hook.id)

    seen["summary_submitted"] = (await client.dashboard.summary()).pins.submitted
    seen["meter"] = (await client.rate_meter.get(account.public_id)).account.capacity > 0
    if as_user:
        seen["me"] = (await client.auth.me()).user.email
        key = await client.api_keys.create(APIKeyCreate(name="async key"))
        seen["keys"] = len(await client.api_keys.list())
        await client.api_keys.revoke(key.id)
        invitation = await client.team.create_invitation(
            TeamInvitationCreateRequest(email="a@acme.test", role="viewer")
        )
        seen["invitations"] = len((await client.team.list_invitations()).items)
        await client.team.revoke_invitation(invitation.id)
        seen["members"] = len((await client.team.list_members()).items)
    else:
        try:
            await client.api_keys.list()
        except AuthenticationError as refused:
            seen["keys"] = refused.code
    try:
        await client.pins.get(pin.id)
    except NotFoundError:
        seen["deleted_pin"] = "gone"
    return seen


@pytest.mark.parametrize("mode", ["bearer", "api_key"])
def test_the_async_client_drives_every_core_area(mode, server, cast, account, board, workspace, tmp_path):
    png = make_png(tmp_path / "async.png", 20, 20)

    async def main():
        async with AsyncPinbridgeClient(base_url=server) as client:
            if mode == "bearer":
                client.set_bearer_token((await client.auth.login(LoginRequest(email=cast.admin.email,
                                                                              password=PASSWORD))).access_token)
            else:
                client.set_api_key(plaintext)
            return await tour(client, account=account, board=board, png=png, as_user=mode == "bearer")

    plaintext = api_key_create(
        actor=Actor.system(workspace, job="test"), name="async", scopes=["read", "write", "destructive"]
    ).plaintext
    seen = asyncio.run(main())
    assert seen["root"] == "PinBridge API" and seen["health"] == "ok" and seen["projects"] == "Acme"
    assert seen["accounts"] == [account.public_id] and seen["publishable"]
    assert seen["asset_bytes"] == png.stat().st_size and seen["assets_total"] == 1
    assert seen["validate"] and seen["batch_created"] == 1 and seen["pin_title"] == "Async chair"
    assert seen["page_total"] == 2 and seen["job"] == "queued" and seen["bulk_retry_skipped"] == 1
    assert seen["import_rows"] == 1 and seen["deleted_pin"] == "gone"
    assert seen["schedules_total"] == 1 and seen["schedule_status"] == "canceled" and seen["bulk_delete_ok"] == 1
    # The summary no longer counts the deleted pin.
    assert seen["webhooks"] == 1 and seen["summary_submitted"] == 1 and seen["meter"]
    if mode == "bearer":
        assert seen["me"] == cast.admin.email and seen["keys"] == 2 and seen["invitations"] == 1
        assert seen["members"] == 4
    else:
        assert seen["keys"] == "user_required"
