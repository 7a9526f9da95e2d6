"""The pins list's bulk bar: retry, approve and delete through the bulk services, one result per pin."""

import re
import uuid

from publishing.models import Pin, PinStatus
from tests.web.helpers import bulk_pins, queries_to_render

HTMX = {"HTTP_HX_REQUEST": "true"}


def summary(html: str) -> str:
    match = re.search(r'<div id="bulk-summary".*?</div>', html, re.S)
    assert match, html[:2000]
    return re.sub(r"\s+", " ", match.group(0))


def test_bulk_retry_reports_each_pin_retried_skipped_or_not_found(cast, login, workspace, offline_account,
                                                                   offline_board, make_pin):
    failed = bulk_pins(workspace, offline_account, offline_board, 2, status=PinStatus.FAILED, error_code="boom")
    [published] = bulk_pins(workspace, offline_account, offline_board, 1, status=PinStatus.PUBLISHED,
                            title="Already out")
    theirs = Pin.objects.create(workspace=cast.other_team.workspaces.first(), account=offline_account,
                                board_id="b", idempotency_key="x", payload_fingerprint="x", title="Their pin",
                                image_url="https://images.example.com/p.jpg", status=PinStatus.FAILED)
    ids = [str(pin.public_id) for pin in (*failed, published, theirs)] + ["not-a-uuid"]
    response = login(cast.manager).post("/app/pins/bulk?status=failed", {"action": "retry", "ids": ids}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith('<section id="pin-results"')
    text = summary(html)
    assert "Retried 2 pins." in text and "1 skipped" in text and "2 refused" in text
    assert "“Already out”: skipped: " in text
    assert text.count("Pin not found.") == 2 and "Their pin" not in text  # another team's pin: not found
    assert 'data-focus-after-swap' in text and 'role="status"' in text
    assert {pin.status for pin in Pin.objects.filter(pk__in=[p.pk for p in failed])} == {PinStatus.QUEUED}
    assert Pin.objects.get(pk=theirs.pk).status == PinStatus.FAILED


def test_bulk_approve_reports_a_refused_self_approval_beside_the_approved_pins(cast, login, make_pin):
    others = [make_pin(), make_pin()]
    own = make_pin()
    Pin.objects.filter(pk=own.pk).update(created_by=cast.manager, title="Mine")
    ids = [str(pin.public_id) for pin in (*others, own)]
    text = summary(login(cast.manager).post("/app/pins/bulk", {"action": "approve", "ids": ids}, **HTMX)
                   .content.decode())
    assert "Approved 2 pins." in text and "1 refused." in text
    assert "“Mine”: refused: Your team does not allow approving or rejecting your own pins." in text
    assert Pin.objects.get(pk=own.pk).approval_state == "pending"
    assert {Pin.objects.get(pk=pin.pk).approval_state for pin in others} == {"approved"}


def test_bulk_delete_by_a_manager_and_refused_to_an_editor(cast, login, workspace, offline_account, offline_board):
    pins = bulk_pins(workspace, offline_account, offline_board, 2, status=PinStatus.FAILED)
    ids = [str(pin.public_id) for pin in pins]
    assert login(cast.editor).post("/app/pins/bulk", {"action": "delete", "ids": ids}).status_code == 403
    assert Pin.objects.filter(pk__in=[p.pk for p in pins], deleted_at__isnull=True).count() == 2
    asked = login(cast.manager).post("/app/pins/bulk?status=failed", {"action": "delete", "ids": ids})  # no JavaScript
    assert "Delete 2 pins?" in asked.content.decode() and 'name="confirm" value="yes"' in asked.content.decode()
    assert Pin.objects.filter(pk__in=[p.pk for p in pins], deleted_at__isnull=True).count() == 2  # not yet
    text = summary(login(cast.manager).post("/app/pins/bulk", {"action": "delete", "ids": ids}, **HTMX)
                   .content.decode())
    assert "Deleted 2 pins." in text and "Bulk pin 0" in text  # deleted pins are still named in the summary
    assert Pin.objects.filter(pk__in=[p.pk for p in pins], deleted_at__isnull=True).count() == 0


def test_a_viewer_gets_no_checkboxes_and_no_bulk_bar(cast, login, workspace, offline_account, offline_board):
    [pin] = bulk_pins(workspace, offline_account, offline_board, 1, status=PinStatus.FAILED)
    html = login(cast.viewer).get("/app/pins/").content.decode()
    assert 'name="ids"' not in html and "pin-bulk" not in html and "data-select-all" not in html
    assert login(cast.viewer).post("/app/pins/bulk", {"action": "retry", "ids": [str(pin.public_id)]}
                                   ).status_code == 403
    manager_html = login(cast.manager).get("/app/pins/").content.decode()
    assert f'value="{pin.public_id}"' in manager_html and 'data-select-all="ids"' in manager_html
    assert "Retry ticked" in manager_html and "Approve ticked" in manager_html and "Delete ticked" in manager_html


def test_nothing_ticked_or_an_unknown_action_is_explained_inline(cast, login, workspace, offline_account,
                                                                 offline_board):
    bulk_pins(workspace, offline_account, offline_board, 1, status=PinStatus.FAILED)
    client = login(cast.manager)
    response = client.post("/app/pins/bulk", {"action": "retry"}, **HTMX)
    assert response.status_code == 422 and "Tick at least one pin first." in response.content.decode()
    response = client.post("/app/pins/bulk", {"action": "explode", "ids": [str(uuid.uuid4())]}, **HTMX)
    assert response.status_code == 422 and 'id="bulk-error"' in response.content.decode()


def test_the_list_with_bulk_controls_runs_the_same_queries_for_1_or_30_pins(cast, login, workspace,
                                                                            offline_account, offline_board):
    client = login(cast.manager)
    bulk_pins(workspace, offline_account, offline_board, 1, status=PinStatus.FAILED)
    one = queries_to_render(client, "/app/pins/")
    bulk_pins(workspace, offline_account, offline_board, 29, status=PinStatus.FAILED)
    html = client.get("/app/pins/").content.decode()
    assert html.count('name="ids"') == 25  # a page's worth, each with its checkbox
    assert queries_to_render(client, "/app/pins/") == one
