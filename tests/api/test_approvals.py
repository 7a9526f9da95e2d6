"""Approvals through /v1 (Pinboard extensions, issue 13): approve, reject, their bulk forms, the
``approve`` key scope, and the hold the official SDK sees (``error_code: awaiting_approval``)."""

from datetime import timedelta

import pytest
from pinbridge_sdk.models import APIKeyCreate

from publishing.access import Actor
from publishing.models import ApprovalState, Pin, PinStatus
from publishing.services.errors import PermissionDenied
from publishing.services.keys import api_key_create
from tests.api.conftest import http, pin_create
from tests.conftest import PASSWORD
from tests.pipeline_fixtures import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

HOLD_MESSAGE = "Waiting for approval by a manager or admin of Acme."


def bearer(server: str, user) -> dict[str, str]:
    login = http(server, "POST", "/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def key_headers(workspace, scopes: list[str]) -> dict[str, str]:
    issued = api_key_create(actor=Actor.system(workspace, job="test"), name="approver", scopes=scopes)
    return {"X-API-Key": issued.plaintext}


def editors_pin(login, cast, account, board, **overrides):
    """A pin an editor created through the SDK: held for approval by the team's default rule."""
    return login(cast.editor).pins.create(pin_create(account, board, **overrides))


def test_an_editor_sees_the_hold_through_the_sdk_until_a_manager_approves_and_it_publishes(
        server, login, cast, account, board, worker):
    editor = login(cast.editor)
    pin = editor.pins.create(pin_create(account, board))
    # The SDK's PinResponse drops approval_state: the hold must show in the fields it keeps.
    assert (pin.status.value, pin.error_code, pin.error_message) == ("queued", "awaiting_approval", HOLD_MESSAGE)
    assert editor.pins.get(pin.id).error_code == "awaiting_approval"
    assert [held.id for held in editor.pins.list(error_code="awaiting_approval")] == [pin.id]

    response = http(server, "POST", f"/v1/pins/{pin.id}/approve", headers=bearer(server, cast.manager))
    assert response.status_code == 200, response.text
    assert (response.json()["approval_state"], response.json()["error_code"]) == ("approved", None)

    published = wait_for(lambda: (seen := editor.pins.get(pin.id)).status.value == "published" and seen,
                         timeout=30, message="the approved pin to publish")
    assert published.error_code is None and published.error_message is None and published.pinterest_pin_id


def test_rejecting_needs_a_reason_limited_like_the_dashboards(server, login, cast, account, board):
    pin = editors_pin(login, cast, account, board)
    manager = bearer(server, cast.manager)
    for body in ({}, {"reason": ""}, {"reason": "r" * 501}, {"reason": "bad\x00"}):
        refused = http(server, "POST", f"/v1/pins/{pin.id}/reject", headers=manager, json=body)
        assert refused.status_code == 422, (body, refused.text)
    blank = http(server, "POST", f"/v1/pins/{pin.id}/reject", headers=manager, json={"reason": "   "})
    assert blank.status_code == 422 and blank.json()["detail"]["code"] == "required"
    assert Pin.objects.get().approval_state == ApprovalState.PENDING


def test_a_rejected_pin_fails_with_error_code_rejected_and_cannot_be_decided_again(
        server, login, cast, account, board):
    pin = editors_pin(login, cast, account, board)
    manager = bearer(server, cast.manager)
    response = http(server, "POST", f"/v1/pins/{pin.id}/reject", headers=manager, json={"reason": "r" * 500})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["approval_state"], body["error_code"]) == ("failed", "rejected", "rejected")
    assert body["error_message"] == "Rejected: " + "r" * 500
    # The SDK sees the rejection the way it always has.
    assert login(cast.editor).pins.get(pin.id).error_code == "rejected"

    again = http(server, "POST", f"/v1/pins/{pin.id}/approve", headers=manager)
    assert again.status_code == 409 and again.json()["detail"]["code"] == "not_awaiting_approval"


def test_a_key_needs_the_approve_scope_write_is_not_enough(server, login, cast, workspace, account, board):
    pin = editors_pin(login, cast, account, board)
    writer = http(server, "POST", f"/v1/pins/{pin.id}/approve", headers=key_headers(workspace, ["read", "write"]))
    assert writer.status_code == 403 and writer.json()["detail"]["code"] == "insufficient_scope"
    approver = http(server, "POST", f"/v1/pins/{pin.id}/approve", headers=key_headers(workspace, ["read", "approve"]))
    assert approver.status_code == 200, approver.text
    assert Pin.objects.get().approval_state == ApprovalState.APPROVED


def test_a_key_may_not_approve_what_it_created_itself(server, cast, workspace, account, board):
    cast.team.api_key_pins_need_approval = True
    cast.team.save(update_fields=["api_key_pins_need_approval"])
    author = key_headers(workspace, ["read", "write", "approve"])
    created = http(server, "POST", "/v1/pins", headers=author,
                   json=pin_create(account, board).model_dump(mode="json", exclude_none=True))
    assert created.status_code == 201 and created.json()["error_code"] == "awaiting_approval", created.text
    pin_id = created.json()["id"]
    for verb, body in (("approve", None), ("reject", {"reason": "No"})):
        own = http(server, "POST", f"/v1/pins/{pin_id}/{verb}", headers=author, json=body)
        assert own.status_code == 403 and own.json()["detail"]["code"] == "self_approval_forbidden", own.text
    assert Pin.objects.get().approval_state == ApprovalState.PENDING
    other = http(server, "POST", f"/v1/pins/{pin_id}/approve", headers=key_headers(workspace, ["read", "approve"]))
    assert other.status_code == 200 and Pin.objects.get().approval_state == ApprovalState.APPROVED


def _keys_held_pin(server, cast, workspace, account, board, author):
    cast.team.api_key_pins_need_approval = True
    cast.team.save(update_fields=["api_key_pins_need_approval"])
    created = http(server, "POST", "/v1/pins", headers=author,
                   json=pin_create(account, board).model_dump(mode="json", exclude_none=True))
    assert created.status_code == 201 and created.json()["error_code"] == "awaiting_approval", created.text
    return created.json()["id"]


def test_a_rotated_key_is_still_the_author_of_what_it_created(server, cast, workspace, account, board):
    from publishing.models import ApiKey
    from publishing.services.keys import api_key_rotate

    first = key_headers(workspace, ["read", "write", "approve"])
    pin_id = _keys_held_pin(server, cast, workspace, account, board, first)
    successor = api_key_rotate(key=ApiKey.objects.get(), actor=Actor.system(workspace, job="test"),
                               grace=timedelta(hours=1))
    again = api_key_rotate(key=successor.key, actor=Actor.system(workspace, job="test"), grace=timedelta(0))
    own = http(server, "POST", f"/v1/pins/{pin_id}/approve", headers={"X-API-Key": again.plaintext})
    assert own.status_code == 403 and own.json()["detail"]["code"] == "self_approval_forbidden", own.text


def test_a_key_approving_many_pins_looks_its_rotations_up_once(server, cast, workspace, account, board):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from publishing.models import ApiKey
    from publishing.services.pins import pin_bulk_approve

    writer = key_headers(workspace, ["read", "write"])
    ids = [_keys_held_pin(server, cast, workspace, account, board, writer) if n == 0 else
           http(server, "POST", "/v1/pins", headers=writer, json=pin_create(
               account, board, idempotency_key=f"k{n}").model_dump(mode="json", exclude_none=True)).json()["id"]
           for n in range(3)]
    approver = api_key_create(actor=Actor.system(workspace, job="test"), name="approver", scopes=["read", "approve"])
    with CaptureQueriesContext(connection) as queries:
        result = pin_bulk_approve(actor=Actor.for_key(ApiKey.objects.get(pk=approver.key.pk)), pin_ids=ids)
    assert result["succeeded_count"] == 3, result
    assert sum('"replaced_by_id" IN' in query["sql"] for query in queries.captured_queries) == 1


def test_a_key_may_not_send_its_own_pin_to_a_guest_nor_a_guest_approve_it_through_the_keys_link(
        server, cast, workspace, account, board):
    from publishing.services.review_links import review_link_decide

    author = key_headers(workspace, ["read", "write", "approve"])
    pin_id = _keys_held_pin(server, cast, workspace, account, board, author)
    sent = http(server, "POST", "/v1/review-links", headers=author, json={"pin_ids": [pin_id], "guest_name": "Cleo"})
    assert sent.status_code == 403 and sent.json()["detail"]["code"] == "self_approval_forbidden", sent.text
    # A link the key sent while the team allowed it: once the rule is back, the guest's approval is refused.
    cast.team.allow_self_approval = True
    cast.team.save(update_fields=["allow_self_approval"])
    sent = http(server, "POST", "/v1/review-links", headers=author, json={"pin_ids": [pin_id], "guest_name": "Cleo"})
    assert sent.status_code == 201, sent.text
    cast.team.allow_self_approval = False
    cast.team.save(update_fields=["allow_self_approval"])
    with pytest.raises(PermissionDenied) as refused:
        review_link_decide(token=sent.json()["token"], item_id=pin_id, kind="pin", decision="approve",
                           guest_name="Cleo")
    assert refused.value.code == "self_approval_forbidden"
    assert Pin.objects.get().approval_state == ApprovalState.PENDING


def test_editors_may_not_decide_and_outsiders_see_nothing(server, login, cast, account, board):
    pin = editors_pin(login, cast, account, board)
    editor = http(server, "POST", f"/v1/pins/{pin.id}/approve", headers=bearer(server, cast.editor))
    assert editor.status_code == 403 and editor.json()["detail"]["code"] == "insufficient_role"
    outsider = http(server, "POST", f"/v1/pins/{pin.id}/reject", headers=bearer(server, cast.outsider),
                    json={"reason": "No"})
    assert outsider.status_code == 404
    assert Pin.objects.get().approval_state == ApprovalState.PENDING


def test_a_new_team_refuses_self_approval_through_the_api(server, login, cast, account, board):
    assert cast.team.allow_self_approval is False  # the default, not set by this test
    pin = editors_pin(login, cast, account, board)
    cast.team.memberships.filter(user=cast.editor).update(role="manager")  # the author may now approve others'
    own = http(server, "POST", f"/v1/pins/{pin.id}/approve", headers=bearer(server, cast.editor))
    assert own.status_code == 403 and own.json()["detail"]["code"] == "self_approval_forbidden"
    assert Pin.objects.get().approval_state == ApprovalState.PENDING


def test_bulk_approve_and_reject_report_each_pin(server, login, cast, account, board):
    first, second, third = (editors_pin(login, cast, account, board, idempotency_key=f"k{n}", title=f"Chair {n}")
                            for n in range(3))
    manager = bearer(server, cast.manager)
    approved = http(server, "POST", "/v1/pins/bulk-approve", headers=manager,
                    json={"ids": [str(first.id), str(first.id), "00000000-0000-0000-0000-000000000000"]})
    assert approved.status_code == 200, approved.text
    assert [r["status"] for r in approved.json()["results"]] == ["succeeded", "skipped", "failed"]

    missing_reason = http(server, "POST", "/v1/pins/bulk-reject", headers=manager, json={"ids": [str(second.id)]})
    assert missing_reason.status_code == 422
    rejected = http(server, "POST", "/v1/pins/bulk-reject", headers=manager,
                    json={"ids": [str(second.id), str(third.id)], "reason": "Off-brand"})
    assert rejected.status_code == 200 and rejected.json()["succeeded_count"] == 2, rejected.text
    states = dict(Pin.objects.values_list("public_id", "approval_state"))
    assert states == {first.id: "approved", second.id: "rejected", third.id: "rejected"}
    assert set(Pin.objects.filter(approval_state="rejected").values_list("status", "error_code")) == {
        (PinStatus.FAILED, "rejected")}


def test_the_bulk_forms_need_the_approve_scope_too(server, login, cast, workspace, account, board):
    pin = editors_pin(login, cast, account, board)
    writer = key_headers(workspace, ["read", "write", "destructive"])
    for path, body in (("bulk-approve", {"ids": [str(pin.id)]}), ("bulk-reject", {"ids": [str(pin.id)],
                                                                                   "reason": "No"})):
        refused = http(server, "POST", f"/v1/pins/{path}", headers=writer, json=body)
        assert refused.status_code == 403 and refused.json()["detail"]["code"] == "insufficient_scope"


def test_an_approve_key_is_listed_apart_so_the_sdk_still_reads_every_key(server, login, cast):
    admin = login(cast.admin)
    response = http(server, "POST", "/v1/api-keys", headers=bearer(server, cast.admin),
                    json={"name": "Approver", "scopes": ["read", "approve"]})
    assert response.status_code == 201, response.text
    assert (response.json()["scopes"], response.json()["extension_scopes"]) == (["read"], ["approve"])
    # The SDK's APIKeyScope knows read, write and destructive only: its list must still parse.
    listed = {key.name: key for key in admin.api_keys.list()}
    assert [scope.value for scope in listed["Approver"].scopes] == ["read"]
    assert admin.api_keys.create(APIKeyCreate(name="Plain")).scopes  # the SDK's own create is unchanged
