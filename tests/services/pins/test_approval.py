"""Approval: pending pins wait; approve enqueues publishing; reject needs a reason and fails the pin."""

import pytest

from publishing.access import Actor
from publishing.models import ApprovalState, AuditEvent, PinStatus, Webhook, WebhookDelivery
from publishing.services.errors import InvalidState, NotFound, PermissionDenied, ValidationError
from publishing.services.pins import (
    pin_approve,
    pin_bulk_approve,
    pin_create,
    pin_edit,
    pin_reject,
)
from tests.pipeline_fixtures import pin_payload, queued_jobs

PUBLISH = "publishing.tasks.publish_pin"


@pytest.fixture
def pending_pin(workspace, cast, offline_account, offline_board):
    pin = pin_create(actor=Actor.for_user(cast.editor, workspace), source="dashboard",
                     data=pin_payload(offline_account, offline_board))
    assert pin.approval_state == ApprovalState.PENDING
    return pin


@pytest.fixture
def webhook(workspace):
    return Webhook.objects.create(workspace=workspace, url="https://hooks.example.com/pins", secret="s" * 20,
                                  events=["pin.approved", "pin.rejected"])


def test_a_manager_approves_and_publishing_is_enqueued(pending_pin, cast, webhook,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        approved = pin_approve(pin=pending_pin, actor=Actor.for_user(cast.manager, pending_pin.workspace))

    assert (approved.status, approved.approval_state) == (PinStatus.QUEUED, ApprovalState.APPROVED)
    assert approved.approved_by == cast.manager and approved.decided_at is not None
    assert [args for args, _ in queued_jobs(PUBLISH)] == [(approved.pk,)]
    event = AuditEvent.objects.get(action="pin.approved")
    assert (event.actor_user, event.target_id) == (cast.manager, str(approved.public_id))
    assert WebhookDelivery.objects.get().event_type == "pin.approved"


def test_a_held_pin_says_who_may_approve_it_until_it_is_approved(pending_pin, cast):
    # The SDK's PinResponse keeps error_code/error_message (not approval_state): the hold shows there.
    assert (pending_pin.status, pending_pin.error_code) == (PinStatus.QUEUED, "awaiting_approval")
    assert pending_pin.error_message == "Waiting for approval by a manager or admin of Acme."

    pin_approve(pin=pending_pin, actor=Actor.for_user(cast.manager, pending_pin.workspace))
    pending_pin.refresh_from_db()
    assert (pending_pin.approval_state, pending_pin.error_code, pending_pin.error_message) == (
        ApprovalState.APPROVED, "", "")


def test_an_edit_that_needs_approval_again_puts_the_pin_on_hold(workspace, cast, offline_account, offline_board):
    pin = pin_create(actor=Actor.for_user(cast.manager, workspace), source="dashboard",
                     data=pin_payload(offline_account, offline_board))
    assert (pin.approval_state, pin.error_code) == (ApprovalState.NOT_REQUIRED, "")

    edited = pin_edit(pin=pin, actor=Actor.for_user(cast.editor, workspace), data={"title": "Changed by an editor"})
    assert (edited.status, edited.approval_state, edited.error_code) == (
        PinStatus.QUEUED, ApprovalState.PENDING, "awaiting_approval")


def test_rejection_needs_a_reason(pending_pin, cast):
    for reason in ("", "   ", "bad\x00", "r" * 501):
        with pytest.raises(ValidationError) as refused:
            pin_reject(pin=pending_pin, actor=Actor.for_user(cast.manager, pending_pin.workspace), reason=reason)
        assert refused.value.field == "reason"
    pending_pin.refresh_from_db()
    assert pending_pin.approval_state == ApprovalState.PENDING


def test_a_rejected_pin_fails_with_error_code_rejected_and_stays_editable(pending_pin, cast, webhook):
    rejected = pin_reject(
        pin=pending_pin, actor=Actor.for_user(cast.manager, pending_pin.workspace), reason="The photo is blurry"
    )

    assert (rejected.status, rejected.error_code, rejected.approval_state) == (
        PinStatus.FAILED, "rejected", ApprovalState.REJECTED)
    assert rejected.rejection_reason == "The photo is blurry"
    assert AuditEvent.objects.get(action="pin.rejected").details == {"reason": "The photo is blurry"}
    assert WebhookDelivery.objects.get().payload["error_code"] == "rejected"

    edited = pin_edit(
        pin=rejected, actor=Actor.for_user(cast.editor, rejected.workspace), data={"title": "A sharper red chair"}
    )
    assert edited.title == "A sharper red chair"
    # The edit resubmits it in the same transaction: back to its approvers, not failed any more.
    assert (edited.status, edited.approval_state) == (PinStatus.QUEUED, ApprovalState.PENDING)


def test_a_rejected_pin_is_resubmitted_for_approval_not_published(pending_pin, cast,
                                                                 django_capture_on_commit_callbacks):
    pin_reject(pin=pending_pin, actor=Actor.for_user(cast.manager, pending_pin.workspace), reason="Wrong board")
    with django_capture_on_commit_callbacks(execute=True):
        resubmitted = pin_edit(pin=pending_pin, actor=Actor.for_user(cast.editor, pending_pin.workspace), data={})

    # Back on hold, and saying so where the SDK looks (issue 13): no longer "rejected".
    assert (resubmitted.status, resubmitted.approval_state, resubmitted.error_code) == (
        PinStatus.QUEUED, ApprovalState.PENDING, "awaiting_approval")
    assert queued_jobs(PUBLISH) == []
    assert AuditEvent.objects.filter(action="pin.resubmitted").count() == 1


def test_editors_and_viewers_cannot_decide(pending_pin, cast):
    for user in (cast.editor, cast.viewer):
        with pytest.raises(PermissionDenied):
            pin_approve(pin=pending_pin, actor=Actor.for_user(user, pending_pin.workspace))
    with pytest.raises(NotFound):  # an outsider learns nothing about the pin
        pin_approve(pin=pending_pin, actor=Actor.for_user(cast.outsider, pending_pin.workspace))


def test_no_self_approval_when_the_team_forbids_it(workspace, cast, offline_account, offline_board):
    cast.team.allow_self_approval = False
    cast.team.editor_pins_need_approval = True
    cast.team.save()
    workspace.refresh_from_db()
    # A manager whose own pins need approval only happens through an API key rule; promote the
    # editor after creating to test the author-decides case.
    pin = pin_create(actor=Actor.for_user(cast.editor, workspace), source="api",
                     data=pin_payload(offline_account, offline_board))
    cast.team.memberships.filter(user=cast.editor).update(role="manager")

    with pytest.raises(PermissionDenied) as refused:
        pin_approve(pin=pin, actor=Actor.for_user(cast.editor, pin.workspace))
    assert refused.value.code == "self_approval_forbidden"
    assert (
        pin_approve(pin=pin, actor=Actor.for_user(cast.manager, pin.workspace)).approval_state == ApprovalState.APPROVED
    )


def test_self_approval_is_refused_by_default_and_allowed_when_the_team_says_so(pending_pin, cast):
    assert cast.team.allow_self_approval is False  # a new team's default (issue 13)
    cast.team.memberships.filter(user=cast.editor).update(role="manager")
    with pytest.raises(PermissionDenied) as refused:
        pin_approve(pin=pending_pin, actor=Actor.for_user(cast.editor, pending_pin.workspace))
    assert refused.value.code == "self_approval_forbidden"

    cast.team.allow_self_approval = True
    cast.team.save(update_fields=["allow_self_approval"])
    pending_pin.workspace.refresh_from_db()
    assert (
        pin_approve(pin=pending_pin, actor=Actor.for_user(cast.editor, pending_pin.workspace)).approval_state
        == ApprovalState.APPROVED
    )


def test_only_pending_pins_can_be_decided(pending_pin, cast):
    pin_approve(pin=pending_pin, actor=Actor.for_user(cast.manager, pending_pin.workspace))
    with pytest.raises(InvalidState):
        pin_approve(pin=pending_pin, actor=Actor.for_user(cast.manager, pending_pin.workspace))
    with pytest.raises(InvalidState):
        pin_reject(pin=pending_pin, actor=Actor.for_user(cast.manager, pending_pin.workspace), reason="late")


def test_bulk_approval_reports_each_pin(pending_pin, workspace, cast):
    outcome = pin_bulk_approve(
        actor=Actor.for_user(cast.manager, workspace), pin_ids=[pending_pin.public_id, pending_pin.public_id, "nope"]
    )
    assert [result["status"] for result in outcome["results"]] == ["succeeded", "skipped", "failed"]
    assert (outcome["succeeded_count"], outcome["skipped_count"], outcome["failed_count"]) == (1, 1, 1)
