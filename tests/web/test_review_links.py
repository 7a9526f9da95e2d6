"""Guest approvers (issue 13): a review link opens a public page (no account, no session) showing only
its pins; the guest approves or rejects each with their name and a comment, through the same step
logic and access policy as members. Wrong, expired and revoked links get a clear page that names no
pin, and record nothing. Dates are a frozen clock."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django_q.models import OrmQ

from pinboard_site.log_redaction import RedactingFilter, redact
from publishing.access import Actor
from publishing.models import (
    ApprovalDecision,
    ApprovalState,
    ApprovalSteps,
    AuditEvent,
    PinComment,
    PinStatus,
    ReviewLink,
)
from publishing.services.errors import ValidationError
from publishing.services.pins import pin_approve
from publishing.services.review_links import review_link_create, review_link_revoke

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_throttle():
    """The review page counts requests per address in the cache: each test starts from zero."""
    cache.clear()


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def manager(cast, workspace):
    return Actor.for_user(cast.manager, workspace)


def send(manager, *pins, days=7):
    return review_link_create(actor=manager, pin_ids=[pin.public_id for pin in pins], expires_in_days=days,
                              guest_name="Clara Client", guest_email="clara@client.test")


def guest() -> Client:
    """A browser with no account and no session, whose POSTs must carry the CSRF token."""
    return Client(enforce_csrf_checks=True)


def decide(browser: Client, token: str, pin, decision="approve", name="Clara Client", comment=""):
    page = browser.get(f"/review/{token}")
    assert page.status_code == 200
    return browser.post(f"/review/{token}/pin/{pin.public_id}/decide",
                        {"name": name, "comment": comment, "decision": decision,
                         "csrfmiddlewaretoken": page.cookies["csrftoken"].value if "csrftoken" in page.cookies
                         else browser.cookies["csrftoken"].value})


def test_a_guest_approves_with_no_account_and_the_pin_publishes(frozen, cast, manager, make_pin,
                                                                django_capture_on_commit_callbacks):
    pin, other = make_pin(title="The red chair"), make_pin(title="Secret other pin")
    issued = send(manager, pin)
    browser = guest()
    page = browser.get(f"/review/{issued.token}")
    html = page.content.decode()
    assert page.status_code == 200 and "The red chair" in html and "Secret other pin" not in html
    assert "sessionid" not in page.cookies
    jobs = OrmQ.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(browser, issued.token, pin, comment="Lovely, go ahead")
    assert response.status_code == 302, response.content.decode()
    pin.refresh_from_db()
    assert (pin.approval_state, pin.status, pin.error_code) == (ApprovalState.APPROVED, PinStatus.QUEUED, "")
    assert OrmQ.objects.count() > jobs  # the publish job (and notices) enqueued on commit
    decision = ApprovalDecision.objects.get(pin=pin)
    assert (decision.guest_name, decision.review_link, decision.decided_by, decision.comment) == (
        "Clara Client", issued.link, None, "Lovely, go ahead")
    comment = PinComment.objects.get(pin=pin)
    assert (comment.author, comment.author_label, comment.body) == (None, "Clara Client", "Lovely, go ahead")
    other.refresh_from_db()
    assert other.approval_state == ApprovalState.PENDING


def test_every_step_is_audited(frozen, cast, manager, make_pin):
    pin = make_pin()
    issued = send(manager, pin)
    browser = guest()
    decide(browser, issued.token, pin, decision="reject", comment="Wrong colour")
    review_link_revoke(actor=manager, link=issued.link)
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor_label"))
    assert ("review_link.created", cast.manager.email) in actions
    assert ("review_link.opened", "Clara Client") in actions
    assert ("pin.rejected", "Clara Client") in actions
    assert ("review_link.decided", "Clara Client") in actions
    assert ("review_link.revoked", cast.manager.email) in actions
    pin.refresh_from_db()
    assert (pin.status, pin.error_code, pin.rejection_reason) == (PinStatus.FAILED, "rejected", "Wrong colour")


def test_a_rejection_needs_a_comment_and_a_name(frozen, manager, make_pin):
    pin = make_pin()
    issued = send(manager, pin)
    browser = guest()
    refused = decide(browser, issued.token, pin, decision="reject", comment="")
    assert refused.status_code == 422 and 'id="comment-' in refused.content.decode()
    assert "aria-invalid" in refused.content.decode()
    nameless = decide(browser, issued.token, pin, name="  ")
    assert nameless.status_code == 422
    assert not ApprovalDecision.objects.exists()


def test_the_token_is_stored_hashed_never_raw(frozen, manager, make_pin):
    issued = send(manager, make_pin())
    link = ReviewLink.objects.get()
    assert link.token_hash == hashlib.sha256(issued.token.encode()).hexdigest() != issued.token
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM publishing_reviewlink")
        rows = cursor.fetchall()
    assert issued.token not in repr(rows)
    assert len(issued.token) >= 40


@pytest.mark.parametrize("how", ["expired", "revoked", "wrong"])
def test_a_closed_or_wrong_link_gets_a_clear_page_and_records_nothing(frozen, manager, make_pin, how):
    pin = make_pin(title="Confidential launch")
    issued = send(manager, pin, days=1)
    token = issued.token
    if how == "expired":
        frozen.move_to(START + timedelta(days=1, seconds=1))
    elif how == "revoked":
        review_link_revoke(actor=manager, link=issued.link)
    else:
        token = issued.token[:-2] + "xx"
    browser = guest()
    page = browser.get(f"/review/{token}")
    expected = 404 if how == "wrong" else 410
    html = page.content.decode()
    assert page.status_code == expected
    assert "Confidential launch" not in html and str(pin.public_id) not in html and "Acme" not in html
    assert ("does not work" if how == "wrong" else "closed") in html
    response = browser.post(f"/review/{token}/pin/{pin.public_id}/decide",
                            {"name": "Mallory", "comment": "", "decision": "approve",
                             "csrfmiddlewaretoken": browser.cookies["csrftoken"].value})
    assert response.status_code == expected
    assert "Confidential launch" not in response.content.decode()
    pin.refresh_from_db()
    assert pin.approval_state == ApprovalState.PENDING and not ApprovalDecision.objects.exists()


def test_a_link_for_pin_a_cannot_act_on_pin_b(frozen, manager, make_pin):
    pin_a, pin_b = make_pin(), make_pin(title="Pin B, not sent")
    issued = send(manager, pin_a)
    response = decide(guest(), issued.token, pin_b)
    assert response.status_code == 404 and "Pin B, not sent" not in response.content.decode()
    pin_b.refresh_from_db()
    assert pin_b.approval_state == ApprovalState.PENDING and not ApprovalDecision.objects.exists()


def test_the_post_needs_the_csrf_token(frozen, manager, make_pin):
    pin = make_pin()
    issued = send(manager, pin)
    response = guest().post(f"/review/{issued.token}/pin/{pin.public_id}/decide",
                            {"name": "Clara", "decision": "approve"})
    assert response.status_code == 403
    assert not ApprovalDecision.objects.exists()


def test_a_two_step_rule_publishes_only_after_the_manager_then_the_guest(frozen, cast, manager, make_pin,
                                                                         django_capture_on_commit_callbacks):
    cast.team.approval_steps = ApprovalSteps.MANAGER_THEN_GUEST
    cast.team.save()
    pin = make_pin()
    issued = send(manager, pin)
    # The guest cannot fill the manager's step.
    early = decide(guest(), issued.token, pin)
    assert early.status_code == 422 and "step 1 of 2" in early.content.decode()
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        pin_approve(pin=pin, actor=manager)
    pin.refresh_from_db()
    assert (pin.approval_state, pin.error_code) == (ApprovalState.PENDING, "awaiting_approval")
    assert "step 2 of 2" in pin.error_message and "guest reviewer" in pin.error_message
    assert enqueued == []  # nothing publishes after the first step
    response = decide(guest(), issued.token, pin)
    assert response.status_code == 302
    pin.refresh_from_db()
    assert pin.approval_state == ApprovalState.APPROVED
    assert list(ApprovalDecision.objects.filter(pin=pin).values_list("step", "decided_by_label")) == [
        (1, cast.manager.email), (2, "Clara Client")]


def test_sending_needs_pins_awaiting_approval_of_this_workspace(frozen, manager, cast, workspace, make_pin):
    decided = pin_approve(pin=make_pin(), actor=manager)
    with pytest.raises(ValidationError) as idle:
        send(manager, decided)
    assert idle.value.field == "pin_ids"
    with pytest.raises(ValidationError) as nothing:
        review_link_create(actor=manager)
    assert nothing.value.field == "pin_ids"
    with pytest.raises(ValidationError) as too_long:
        send(manager, make_pin(), days=31)
    assert too_long.value.field == "expires_in_days"


def test_a_manager_creates_a_link_on_the_approvals_page_sees_it_once_and_revokes_it(frozen, cast, login, make_pin):
    pin = make_pin(title="Sofa")
    manager = login(cast.manager)
    page = manager.get("/app/approvals/").content.decode()
    assert 'action="/app/approvals/review-links/create"' in page
    response = manager.post("/app/approvals/review-links/create",
                            {"pin_ids": [str(pin.public_id)], "guest_name": "Clara", "expires_in_days": "3"})
    assert response.status_code == 200, response.content.decode()
    html = response.content.decode()
    link = ReviewLink.objects.get()
    start = html.index("http://testserver/review/")
    token = html[start + len("http://testserver/review/"):html.index('"', start)]
    assert hashlib.sha256(token.encode()).hexdigest() == link.token_hash
    assert link.expires_at == START + timedelta(days=3)
    assert token not in manager.get("/app/approvals/").content.decode()  # shown once
    manager.post(f"/app/approvals/review-links/{link.public_id}/revoke")
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert guest().get(f"/review/{token}").status_code == 410


def test_the_pin_page_sends_one_pin_and_bad_input_is_shown_inline(frozen, cast, login, make_pin):
    pin = make_pin()
    manager = login(cast.manager)
    assert 'action="/app/approvals/review-links/create"' in manager.get(f"/app/pins/{pin.public_id}/").content.decode()
    bad = manager.post("/app/approvals/review-links/create",
                       {"pin_ids": [str(pin.public_id)], "guest_email": "not-an-email", "expires_in_days": "99"})
    assert bad.status_code == 422 and bad.content.decode().count('class="field-error"') >= 2
    none = manager.post("/app/approvals/review-links/create", {"expires_in_days": "7"})
    assert none.status_code == 422 and "Choose at least one" in none.content.decode()
    assert not ReviewLink.objects.exists()


def test_editors_cannot_send_or_revoke_links(frozen, cast, login, make_pin, manager):
    pin = make_pin()
    editor = login(cast.editor)
    assert editor.post("/app/approvals/review-links/create",
                       {"pin_ids": [str(pin.public_id)], "expires_in_days": "7"}).status_code == 403
    issued = send(manager, pin)
    assert editor.post(f"/app/approvals/review-links/{issued.link.public_id}/revoke").status_code == 403
    issued.link.refresh_from_db()
    assert issued.link.revoked_at is None


def test_another_teams_manager_cannot_revoke(frozen, cast, login, make_pin, manager):
    from tests.conftest import make_member

    issued = send(manager, make_pin())
    outsider = make_member(cast.other_team, "boss@globex.test", "admin")
    response = login(outsider).post(f"/app/approvals/review-links/{issued.link.public_id}/revoke")
    assert response.status_code == 404
    issued.link.refresh_from_db()
    assert issued.link.revoked_at is None


def test_admins_choose_the_number_of_steps_in_the_team_settings(cast, login):
    admin = login(cast.admin)
    bad = admin.post("/app/team/settings", {"approval_steps": "three", "editor_pins_need_approval": "on"})
    assert bad.status_code == 422
    admin.post("/app/team/settings", {"approval_steps": ApprovalSteps.TWO_MANAGERS, "editor_pins_need_approval": "on"})
    cast.team.refresh_from_db()
    assert cast.team.approval_steps == ApprovalSteps.TWO_MANAGERS
    event = AuditEvent.objects.get(action="team.approval_rules_changed")
    assert event.details["approval_steps"] == "two_managers"
    assert "Two steps: two different managers" in login(cast.viewer).get("/app/team/settings").content.decode()


def test_a_page_opened_just_before_expiry_cannot_decide_at_the_expiry_instant(frozen, manager, make_pin):
    """The guest opened the page a second before the link expired and submits at its last instant:
    ``expires_at`` itself is already closed (the other closed-link test submits a second after)."""
    pin = make_pin(title="Last-minute pin")
    issued = send(manager, pin, days=1)
    frozen.move_to(issued.link.expires_at - timedelta(seconds=1))
    browser = guest()
    page = browser.get(f"/review/{issued.token}")
    assert page.status_code == 200 and "Last-minute pin" in page.content.decode()
    frozen.move_to(issued.link.expires_at)
    response = browser.post(f"/review/{issued.token}/pin/{pin.public_id}/decide",
                            {"name": "Clara", "comment": "", "decision": "approve",
                             "csrfmiddlewaretoken": browser.cookies["csrftoken"].value})
    assert response.status_code == 410 and "Last-minute pin" not in response.content.decode()
    pin.refresh_from_db()
    assert pin.approval_state == ApprovalState.PENDING and not ApprovalDecision.objects.exists()


def test_the_public_page_is_throttled_per_address(frozen, manager, make_pin, settings):
    settings.REVIEW_PAGE_REQUESTS_PER_MINUTE = 3
    issued = send(manager, make_pin())
    browser = guest()
    assert [browser.get(f"/review/{issued.token}").status_code for _ in range(3)] == [200, 200, 200]
    assert browser.get("/review/guessed-token").status_code == 429
    assert "Too many requests" in browser.get(f"/review/{issued.token}").content.decode()


def test_behind_a_proxy_the_public_page_is_throttled_per_client_address(frozen, manager, make_pin, settings):
    settings.REVIEW_PAGE_REQUESTS_PER_MINUTE = 3
    settings.TRUSTED_PROXY_COUNT = 1
    issued = send(manager, make_pin())
    via_proxy = {"REMOTE_ADDR": "10.0.0.2"}
    first = [guest().get(f"/review/{issued.token}", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.5", **via_proxy)
             for n in range(4)]
    assert [page.status_code for page in first] == [200, 200, 200, 429]
    assert guest().get(f"/review/{issued.token}", HTTP_X_FORWARDED_FOR="203.0.113.9", **via_proxy).status_code == 200


def test_the_admin_shows_links_and_decisions_read_only_never_a_token(frozen, manager, make_pin, admin_client):
    issued = send(manager, make_pin())
    listing = admin_client.get("/admin/publishing/reviewlink/")
    assert listing.status_code == 200 and "Clara Client" in listing.content.decode()
    change = admin_client.get(f"/admin/publishing/reviewlink/{issued.link.pk}/change/").content.decode()
    assert issued.token not in change and issued.link.token_hash not in change
    assert admin_client.get("/admin/publishing/approvaldecision/").status_code == 200


def test_a_live_token_never_reaches_a_log_line(frozen, manager, make_pin, caplog):
    """A guest's form error (422) is logged by django.request with the path, which holds the token;
    the redacting filter every log handler runs must drop it, as gunicorn's access lines must."""
    pin = make_pin()
    issued = send(manager, pin)
    with caplog.at_level("WARNING", logger="django.request"):
        assert decide(guest(), issued.token, pin, decision="reject", comment="").status_code == 422
    lines = [record for record in caplog.records if record.name == "django.request"]
    assert lines, "django.request logs a 4xx with its path"
    for record in lines:
        RedactingFilter().filter(record)
        assert issued.token not in record.getMessage()
    assert issued.token not in redact(f'"GET /review/{issued.token} HTTP/1.1" 200')
    assert issued.token not in redact(f"/review/{issued.token}/assets/{pin.public_id}")
    assert redact(f"/review/{issued.token}/pin/{pin.public_id}/decide") == (
        f"/review/[redacted]/pin/{pin.public_id}/decide")
