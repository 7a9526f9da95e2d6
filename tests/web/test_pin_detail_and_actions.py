"""A pin's page: attempts, approval decisions, and retry / edit / delete as the role allows."""

from django.utils import timezone

from publishing.access import Actor
from publishing.models import ApprovalState, ApprovalSteps, Pin, PinStatus, PublishAttempt
from publishing.services.pins import pin_approve, pin_reject
from tests.web.helpers import bulk_pins


def test_the_detail_shows_the_attempt_history_in_the_workspace_zone(
    cast, login, workspace, offline_account, offline_board
):
    [pin] = bulk_pins(workspace, offline_account, offline_board, 1, status=PinStatus.PUBLISHED)
    PublishAttempt.objects.create(pin=pin, number=1, outcome=PublishAttempt.Outcome.DEFERRED, http_status=429,
                                  error_code="rate_limited", error_message="Slow down")
    PublishAttempt.objects.create(pin=pin, number=2, outcome=PublishAttempt.Outcome.PUBLISHED, http_status=201,
                                  finished_at=timezone.now())
    html = login(cast.viewer).get(f"/app/pins/{pin.public_id}/").content.decode()
    assert "rate_limited: Slow down" in html and "Deferred" in html and "Published" in html
    # In order of attempts. The cells, not the bare numbers: "201" can stand in a random id or nonce.
    assert html.index("<td>429</td>") < html.index("rate_limited") < html.index("<td>201</td>")


def test_an_editor_sees_why_their_pin_was_rejected(cast, login, make_pin):
    pin = pin_reject(pin=make_pin(), actor=Actor.for_user(cast.manager, make_pin().workspace), reason="Logo is cut off")
    html = login(cast.editor).get(f"/app/pins/{pin.public_id}/").content.decode()
    assert "Rejected" in html and "Logo is cut off" in html and "Mona" in html


def test_a_moving_pin_polls_its_status_panel_and_a_settled_one_does_not(cast, login, workspace, offline_account,
                                                                        offline_board):
    [moving] = bulk_pins(workspace, offline_account, offline_board, 1, status=PinStatus.QUEUED)
    client = login(cast.viewer)
    assert 'hx-trigger="every 2s"' in client.get(f"/app/pins/{moving.public_id}/").content.decode()
    Pin.objects.filter(pk=moving.pk).update(status=PinStatus.PUBLISHED, published_at=timezone.now())
    panel = client.get(f"/app/pins/{moving.public_id}/", HTTP_HX_REQUEST="true").content.decode()
    assert panel.strip().startswith('<section id="status-panel"') and "every 2s" not in panel and "Published" in panel


def test_a_manager_retries_a_failed_pin(cast, login, workspace, offline_account, offline_board):
    [pin] = bulk_pins(workspace, offline_account, offline_board, 1, status=PinStatus.FAILED, error_code="boom")
    response = login(cast.manager).post(f"/app/pins/{pin.public_id}/retry")
    assert response.status_code == 302 and response.url == f"/app/pins/{pin.public_id}/"
    pin.refresh_from_db()
    assert pin.status == PinStatus.QUEUED and pin.error_code == ""


def test_retrying_a_pin_that_did_not_fail_explains_why_not(cast, login, workspace, offline_account, offline_board):
    [pin] = bulk_pins(workspace, offline_account, offline_board, 1, status=PinStatus.PUBLISHED)
    client = login(cast.manager)
    response = client.post(f"/app/pins/{pin.public_id}/retry", follow=True)
    assert "Only failed pins can be retried" in response.content.decode()


def test_an_editor_edits_a_queued_pin_with_inline_errors_first(cast, login, make_pin, offline_board):
    pin = make_pin()
    client = login(cast.editor)
    form = {
        "board_id": offline_board.pinterest_board_id,
        "title": "x" * 101,
        "description": "",
        "link_url": "",
        "alt_text": "",
    }
    bad = client.post(f"/app/pins/{pin.public_id}/edit", form)
    assert bad.status_code == 422 and "at most 100 characters" in bad.content.decode()
    good = client.post(f"/app/pins/{pin.public_id}/edit", {**form, "title": "A better title"})
    assert good.status_code == 302
    pin.refresh_from_db()
    assert pin.title == "A better title"


def test_editing_a_rejected_pin_sends_it_back_for_approval(cast, login, make_pin, offline_board):
    pin = pin_reject(pin=make_pin(), actor=Actor.for_user(cast.manager, make_pin().workspace), reason="Typo")
    form = {"board_id": offline_board.pinterest_board_id, "title": "Fixed typo", "description": "", "link_url": "",
            "alt_text": ""}
    login(cast.editor).post(f"/app/pins/{pin.public_id}/edit", form)
    pin.refresh_from_db()
    assert pin.title == "Fixed typo" and pin.approval_state == ApprovalState.PENDING and pin.status == PinStatus.QUEUED


def test_an_editor_editing_an_approved_pin_sends_it_back_for_approval(cast, login, make_pin, offline_board):
    pin = pin_approve(pin=make_pin(), actor=Actor.for_user(cast.manager, make_pin().workspace))
    form = {"board_id": offline_board.pinterest_board_id, "title": "Changed after approval", "description": "",
            "link_url": "", "alt_text": ""}
    response = login(cast.editor).post(f"/app/pins/{pin.public_id}/edit", form, follow=True)
    assert "It is back in the approval queue." in response.content.decode()
    pin.refresh_from_db()
    assert (pin.title, pin.status, pin.approval_state) == ("Changed after approval", PinStatus.QUEUED,
                                                           ApprovalState.PENDING)


def test_a_published_pin_cannot_be_edited(cast, login, workspace, offline_account, offline_board):
    [pin] = bulk_pins(workspace, offline_account, offline_board, 1, status=PinStatus.PUBLISHED)
    form = {
        "board_id": offline_board.pinterest_board_id,
        "title": "New",
        "description": "",
        "link_url": "",
        "alt_text": "",
    }
    response = login(cast.editor).post(f"/app/pins/{pin.public_id}/edit", form)
    assert response.status_code == 422 and "already published" in response.content.decode()


def test_a_manager_deletes_a_pin_after_confirming(cast, login, make_pin):
    pin = make_pin()
    client = login(cast.manager)
    assert "Delete the pin" in client.get(f"/app/pins/{pin.public_id}/delete").content.decode()
    response = client.post(f"/app/pins/{pin.public_id}/delete", {})
    assert response.status_code == 302 and response.url == "/app/pins/"
    assert Pin.objects.for_workspace(pin.workspace).filter(pk=pin.pk).count() == 0


def test_a_pin_mid_publish_cannot_be_deleted(cast, login, workspace, offline_account, offline_board):
    [pin] = bulk_pins(workspace, offline_account, offline_board, 1, status=PinStatus.PUBLISHING)
    response = login(cast.manager).post(f"/app/pins/{pin.public_id}/delete", {})
    assert response.status_code == 422 and "being published right now" in response.content.decode()


def test_controls_follow_the_role(cast, login, make_pin):
    pin = make_pin()
    editor = login(cast.editor).get(f"/app/pins/{pin.public_id}/").content.decode()
    assert "Edit" in editor and "Delete…" not in editor and ">Approve<" not in editor
    manager = login(cast.manager).get(f"/app/pins/{pin.public_id}/").content.decode()
    assert "Delete…" in manager and ">Approve<" in manager


def test_a_pin_awaiting_approval_polls_slowly_and_its_controls_follow_its_status(cast, login, make_pin):
    pin = make_pin()
    client = login(cast.manager)
    assert 'hx-trigger="every 5s"' in client.get(f"/app/pins/{pin.public_id}/").content.decode()
    pin_reject(pin=pin, actor=Actor.for_user(cast.manager, pin.workspace), reason="Blurry")
    update = client.get(f"/app/pins/{pin.public_id}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in update.split('id="pin-actions"')[0]  # settled: no more polling
    actions = update.split('<section id="pin-actions"')[1]
    assert 'hx-swap-oob="true"' in actions and ">Approve<" not in actions and "Edit" in actions


def test_the_pins_section_stays_current_on_a_pin_page(cast, login, make_pin):
    pin = make_pin()
    html = login(cast.viewer).get(f"/app/pins/{pin.public_id}/").content.decode()
    assert '<a href="/app/pins/" aria-current="page">Pins</a>' in html
    assert '<a href="/app/" aria-current="page">' not in html


def test_after_their_step_a_manager_is_told_who_the_next_step_is_for_instead_of_an_approve_button(
        cast, login, make_pin):
    cast.team.approval_steps = ApprovalSteps.MANAGER_THEN_GUEST
    cast.team.save()
    pin = make_pin()
    approve_button = f'action="/app/approvals/{pin.public_id}/approve"'
    assert approve_button in login(cast.manager).get(f"/app/pins/{pin.public_id}/").content.decode()

    pin_approve(pin=pin, actor=Actor.for_user(cast.manager, pin.workspace))
    html = login(cast.manager).get(f"/app/pins/{pin.public_id}/").content.decode()
    assert approve_button not in html  # it would be refused: step 2 is a guest's
    assert "Approval step 2 of 2 is for a guest reviewer (through a review link)." in html
