"""The approval queue: previews, approve, reject with a reason, bulk approve; editors see decisions."""

from django_q.models import OrmQ

from publishing.access import Actor
from publishing.models import ApprovalState, PinStatus
from publishing.services.pins import pin_approve, pin_reject
from tests.web.helpers import queries_to_render


def test_managers_see_the_queue_oldest_first_with_previews(cast, login, make_pin):
    first, second = make_pin(), make_pin(title="With an image URL", image_url="https://images.example.com/second.jpg")
    html = login(cast.manager).get("/app/approvals/").content.decode()
    assert html.index(first.title) < html.index(second.title)
    # A remote image is linked, not embedded (the Content-Security-Policy loads images from this site only).
    assert 'href="https://images.example.com/second.jpg"' in html and "Waiting for approval (2)" in html


def test_approving_queues_the_pin_for_publishing(cast, login, make_pin, django_capture_on_commit_callbacks):
    pin = make_pin()
    queued_jobs = OrmQ.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = login(cast.manager).post(f"/app/approvals/{pin.public_id}/approve", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "pinApproved" in response["HX-Trigger"]
    assert f"Approved “{pin.title}”" in response.content.decode()
    pin.refresh_from_db()
    assert pin.approval_state == ApprovalState.APPROVED and pin.approved_by == cast.manager
    assert OrmQ.objects.count() == queued_jobs + 1  # the publish job, enqueued on commit


def test_rejecting_needs_a_reason_shown_inline(cast, login, make_pin):
    pin = make_pin()
    response = login(cast.manager).post(
        f"/app/approvals/{pin.public_id}/reject", {"reason": "  "}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert "This field is required" in response.content.decode() or "Give a reason" in response.content.decode()
    pin.refresh_from_db()
    assert pin.approval_state == ApprovalState.PENDING


def test_rejecting_with_a_reason_fails_the_pin_and_tells_the_editor(cast, login, make_pin, client):
    pin = make_pin()
    login(cast.manager).post(f"/app/approvals/{pin.public_id}/reject", {"reason": "Wrong board"})
    pin.refresh_from_db()
    assert pin.status == PinStatus.FAILED and pin.approval_state == ApprovalState.REJECTED
    client.force_login(cast.editor)
    html = client.get("/app/approvals/").content.decode()
    assert "Decisions on your pins" in html and "Wrong board" in html


def test_editors_see_only_decisions_on_their_own_pins(cast, login, make_pin):
    own = pin_approve(pin=make_pin(), actor=Actor.for_user(cast.manager, make_pin().workspace))
    others = make_pin()
    others.created_by = cast.viewer  # someone else's pin, still awaiting approval
    others.save(update_fields=["created_by"])
    pin_reject(pin=others, actor=Actor.for_user(cast.admin, others.workspace), reason="Not ours")
    html = login(cast.editor).get("/app/approvals/").content.decode()
    assert own.title in html and "Not ours" not in html


def test_bulk_approve_approves_only_the_ticked_pins(cast, login, make_pin):
    ticked, also_ticked, left = make_pin(), make_pin(), make_pin()
    response = login(cast.manager).post("/app/approvals/bulk-approve",
                                        {"ids": [str(ticked.public_id), str(also_ticked.public_id)]})
    assert "Approved 2 pins" in response.content.decode()
    states = {p.public_id: p.approval_state for p in (ticked, also_ticked, left) if not p.refresh_from_db()}
    assert states == {ticked.public_id: "approved", also_ticked.public_id: "approved", left.public_id: "pending"}


def test_bulk_approve_with_nothing_ticked_says_so(cast, login, make_pin):
    make_pin()
    response = login(cast.manager).post("/app/approvals/bulk-approve", {})
    assert response.status_code == 422 and "Tick at least one pin" in response.content.decode()


def test_self_approval_is_refused_when_the_team_forbids_it(cast, login, make_pin):
    cast.team.allow_self_approval = False
    cast.team.save()
    pin = make_pin(actor=cast.editor)
    pin.created_by = cast.manager
    pin.save(update_fields=["created_by"])
    response = login(cast.manager).post(f"/app/approvals/{pin.public_id}/approve")
    assert response.status_code == 403 and "does not allow approving" in response.content.decode()


def test_a_held_pins_page_says_who_may_approve_it_as_the_api_does(cast, login, make_pin):
    pin = make_pin()
    html = login(cast.editor).get(f"/app/pins/{pin.public_id}/").content.decode()
    assert "<p>Waiting for approval by a manager or admin of Acme.</p>" in html  # a wait, not an error box
    assert "awaiting_approval:" not in html


def test_a_new_team_refuses_self_approval_in_the_dashboard(cast, login, make_pin):
    assert cast.team.allow_self_approval is False  # the default, not set by this test
    pin = make_pin()
    cast.team.memberships.filter(user=cast.editor).update(role="manager")  # the author may now approve others'
    response = login(cast.editor).post(f"/app/approvals/{pin.public_id}/approve")
    assert response.status_code == 403 and "does not allow approving" in response.content.decode()
    pin.refresh_from_db()
    assert pin.approval_state == ApprovalState.PENDING


def test_the_queue_runs_a_constant_number_of_queries(cast, login, make_pin):
    client = login(cast.manager)
    for _ in range(2):
        make_pin()
    few = queries_to_render(client, "/app/approvals/")
    for _ in range(8):
        pin_reject(pin=make_pin(), actor=Actor.for_user(cast.manager, make_pin().workspace), reason="no")
        make_pin()
    assert queries_to_render(client, "/app/approvals/") == few
