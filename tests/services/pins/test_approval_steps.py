"""Two-step approval (issue 13): a pin publishes only when every step of the team's rule has
approved; the same person cannot fill two steps; self-approval stays refused by default; any
rejection rejects; each decision is an ApprovalDecision row and an audit event."""

import pytest

from publishing.access import Actor
from publishing.models import ApprovalDecision, ApprovalState, ApprovalSteps, AuditEvent, PinStatus, ReviewLink
from publishing.services.errors import PermissionDenied
from publishing.services.pins import pin_approve, pin_create, pin_edit, pin_reject
from publishing.services.review_links import review_link_create, review_link_decide
from tests.pipeline_fixtures import pin_payload, queued_jobs

PUBLISH = "publishing.tasks.publish_pin"


@pytest.fixture
def two_managers(cast):
    cast.team.approval_steps = ApprovalSteps.TWO_MANAGERS
    cast.team.save()
    return cast.team


@pytest.fixture
def held(cast, workspace, offline_account, offline_board):
    return pin_create(actor=Actor.for_user(cast.editor, workspace), source="api",
                      data=pin_payload(offline_account, offline_board))


def test_two_managers_publish_only_after_both_steps(two_managers, held, cast, workspace,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = pin_approve(pin=held, actor=Actor.for_user(cast.manager, workspace))
    assert (first.approval_state, first.status, first.error_code) == (
        ApprovalState.PENDING, PinStatus.QUEUED, "awaiting_approval")
    assert first.error_message == ("Waiting for approval step 2 of 2: by a manager or admin of Acme "
                                   "(not whoever approved step 1).")
    assert queued_jobs(PUBLISH) == []  # skipping the second step would publish here
    with django_capture_on_commit_callbacks(execute=True):
        second = pin_approve(pin=held, actor=Actor.for_user(cast.admin, workspace))
    assert (second.approval_state, second.error_code, second.approved_by) == (ApprovalState.APPROVED, "", cast.admin)
    assert [args for args, _ in queued_jobs(PUBLISH)] == [(held.pk,)]
    assert list(ApprovalDecision.objects.filter(pin=held).values_list("step", "decided_by__email", "decision")) == [
        (1, cast.manager.email, "approved"), (2, cast.admin.email, "approved")]
    audited = AuditEvent.objects.filter(action__startswith="pin.approv").order_by("id")
    assert list(audited.values_list("action", flat=True)) == ["pin.approval_step_approved", "pin.approved"]


def test_the_same_person_cannot_fill_both_steps(two_managers, held, cast, workspace):
    manager = Actor.for_user(cast.manager, workspace)
    pin_approve(pin=held, actor=manager)
    with pytest.raises(PermissionDenied) as refused:
        pin_approve(pin=held, actor=manager)
    assert refused.value.code == "approval_step_same_person"
    held.refresh_from_db()
    assert (held.approval_state, held.approval_steps_done) == (ApprovalState.PENDING, 1)


def test_a_member_cannot_fill_a_guests_step(cast, held, workspace):
    cast.team.approval_steps = ApprovalSteps.MANAGER_THEN_GUEST
    cast.team.save()
    pin_approve(pin=held, actor=Actor.for_user(cast.manager, workspace))
    with pytest.raises(PermissionDenied) as refused:
        pin_approve(pin=held, actor=Actor.for_user(cast.admin, workspace))
    assert refused.value.code == "approval_step_not_yours"
    # ... but a manager may still stop it: any rejection rejects.
    rejected = pin_reject(pin=held, actor=Actor.for_user(cast.admin, workspace), reason="Changed our mind")
    assert (rejected.status, rejected.approval_state) == (PinStatus.FAILED, ApprovalState.REJECTED)


def test_self_approval_is_refused_by_default_at_every_step(two_managers, cast, workspace, offline_account,
                                                           offline_board):
    assert not cast.team.allow_self_approval
    own = pin_create(actor=Actor.for_user(cast.manager, workspace), source="api",
                     data=pin_payload(offline_account, offline_board, idempotency_key="own"))
    pin_edit(pin=own, actor=Actor.for_user(cast.editor, workspace), data={"title": "Editor's touch"})
    with pytest.raises(PermissionDenied) as refused:
        pin_approve(pin=own, actor=Actor.for_user(cast.manager, workspace))
    assert refused.value.code == "self_approval_forbidden"
    assert not ApprovalDecision.objects.filter(pin=own).exists()


def test_an_edit_between_the_steps_starts_a_new_round(two_managers, held, cast, workspace):
    pin_approve(pin=held, actor=Actor.for_user(cast.manager, workspace))
    pin_edit(pin=held, actor=Actor.for_user(cast.editor, workspace), data={"title": "Changed"})
    held.refresh_from_db()
    assert (held.approval_steps_done, held.approval_state) == (0, ApprovalState.PENDING)
    assert "step 1 of 2" in held.error_message
    # The manager may approve the new round's first step again.
    assert pin_approve(pin=held, actor=Actor.for_user(cast.manager, workspace)).approval_steps_done == 1


def test_an_author_cannot_approve_their_own_pin_through_a_guest_link(cast, workspace, offline_account, offline_board):
    """Self-approval stays refused when the author sends their own pin to a guest: refused when the
    link is made, and (for a link made before the rule, or by a forged one) when the guest decides."""
    assert not cast.team.allow_self_approval
    manager = Actor.for_user(cast.manager, workspace)
    own = pin_create(actor=Actor.for_user(cast.editor, workspace), source="api",
                     data=pin_payload(offline_account, offline_board, idempotency_key="own-pin"))
    own.created_by = cast.manager  # written by the manager, held by the team's rule (one step)
    own.save(update_fields=["created_by"])
    with pytest.raises(PermissionDenied) as refused:
        review_link_create(actor=manager, pin_ids=[str(own.public_id)], guest_name="Clara")
    assert refused.value.code == "self_approval_forbidden"
    # A colleague may send it; the guest's approval then stands.
    issued = review_link_create(actor=Actor.for_user(cast.admin, workspace), pin_ids=[str(own.public_id)])
    review_link_decide(token=issued.token, item_id=str(own.public_id), kind="pin", decision="approve",
                       guest_name="Clara", comment="")
    own.refresh_from_db()
    assert own.approval_state == ApprovalState.APPROVED


def test_a_guest_decision_through_the_authors_own_link_is_refused(cast, workspace, offline_account, offline_board):
    own = pin_create(actor=Actor.for_user(cast.editor, workspace), source="api",
                     data=pin_payload(offline_account, offline_board, idempotency_key="own-pin-2"))
    issued = review_link_create(actor=Actor.for_user(cast.admin, workspace), pin_ids=[str(own.public_id)])
    ReviewLink.objects.filter(pk=issued.link.pk).update(created_by=cast.editor)  # as if the author had sent it
    with pytest.raises(PermissionDenied) as refused:
        review_link_decide(token=issued.token, item_id=str(own.public_id), kind="pin", decision="approve",
                           guest_name="Not the editor", comment="")
    assert refused.value.code == "self_approval_forbidden"
    own.refresh_from_db()
    assert own.approval_state == ApprovalState.PENDING
    assert not ApprovalDecision.objects.filter(pin=own).exists()
