"""Approval steps: who may fill the step a pin or a schedule is waiting for, and the record of each decision.

A team's rule (``Team.approval_steps``) says how many approvals publish a pin and from whom: one
(a manager or admin, an API key with the ``approve`` scope, or a guest reviewer through a review
link), or two ("a manager, then a guest reviewer", "two different managers"). Pins and schedules
keep where their current round stands in ``ApprovalColumns`` (``approval_steps_done``); each
decision is an ``ApprovalDecision`` row. The pins and schedules services call
``approval_step_record`` inside their transaction, after their own checks of the item's state, and
publish only when it says the last step has approved; any rejection rejects.

Refused here (``PermissionDenied``, 403): deciding on your own pin or schedule (or, for an API key,
one it created) when the team does not allow self-approval, filling a step meant for someone else (a
guest step by a member, a member's step by a guest), and filling a second step of the same round
yourself.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TypeVar

from django.utils import timezone

from publishing.access import Actor, ActorKind
from publishing.models import ApiKey, ApprovalDecision, ApprovalState, ApprovalSteps, Pin, Schedule, Team
from publishing.services.errors import PermissionDenied, ValidationError

# Who may fill a step: "approver" = a member or key who may approve, or a guest reviewer;
# "member" = a member or key of the team (not a guest); "guest" = a guest reviewer with a review link.
STEPS: dict[str, tuple[str, ...]] = {
    ApprovalSteps.ONE: ("approver",),
    ApprovalSteps.MANAGER_THEN_GUEST: ("member", "guest"),
    ApprovalSteps.TWO_MANAGERS: ("member", "member"),
}

Decidable = TypeVar("Decidable", Pin, Schedule)


def approval_steps_of(team: Team) -> tuple[str, ...]:
    return STEPS.get(team.approval_steps, STEPS[ApprovalSteps.ONE])


def _who_fills(kind: str, team: Team) -> str:
    managers = f"a manager or admin of {team.name}"
    return {"approver": managers, "member": managers, "guest": "a guest reviewer (through a review link)"}[kind]


def approval_waiting_message(item: Pin | Schedule, team: Team) -> str:
    """What a held pin's ``error_message`` says: who may give the approval still needed."""
    steps = approval_steps_of(team)
    done = min(item.approval_steps_done, len(steps) - 1)
    if len(steps) == 1:
        return f"Waiting for approval by {_who_fills(steps[0], team)}."
    other = " (not whoever approved step 1)" if done and steps[done] == steps[done - 1] else ""
    return f"Waiting for approval step {done + 1} of {len(steps)}: by {_who_fills(steps[done], team)}{other}."


def approval_hold(item: Pin | Schedule) -> None:
    """Start a new round: pending, no step approved yet (the caller saves)."""
    item.approval_state = ApprovalState.PENDING
    item.approval_steps_done = 0


def _fits(actor: Actor, kind: str) -> bool:
    is_guest = actor.kind == ActorKind.GUEST_LINK
    return kind == "approver" or (kind == "guest") == is_guest


def _identity(actor: Actor) -> tuple[str, int]:
    if actor.kind == ActorKind.GUEST_LINK and actor.review_link is not None:
        return ("guest", actor.review_link.pk)
    if actor.api_key is not None:
        return ("key", actor.api_key.pk)
    return ("user", actor.user.pk if actor.user is not None else 0)


def _decision_identity(decision: ApprovalDecision) -> tuple[str, int]:
    if decision.review_link_id is not None:
        return ("guest", decision.review_link_id)
    if decision.decided_by_key_id is not None:
        return ("key", decision.decided_by_key_id)
    return ("user", decision.decided_by_id or 0)


def clean_decision_comment(comment: str) -> str:
    text = comment.strip()
    if "\x00" in text:
        raise ValidationError("invalid_characters", "Must not contain NUL characters.", field="comment")
    if len(text) > ApprovalDecision.COMMENT_MAX_LENGTH:
        raise ValidationError("too_long", f"Must be at most {ApprovalDecision.COMMENT_MAX_LENGTH} characters.",
                              field="comment")
    return text


def made_by(item: Pin | Schedule, *, user_id: int | None, key_ids: Collection[int]) -> bool:
    """Whether the member ``user_id``, or the API key whose lineage is ``key_ids`` (the key and those it
    was rotated from or into), created ``item``: a key cannot approve its own pins by being rotated first."""
    if user_id is not None:
        return item.created_by_id == user_id
    return item.created_by_key_id is not None and item.created_by_key_id in key_ids


def authored_by(item: Pin | Schedule, actor: Actor) -> bool:
    """Whether ``actor`` (a member, or an API key across its rotations) created ``item``."""
    return made_by(item, user_id=actor.user.pk if actor.user else None, key_ids=actor.key_lineage_ids)


def approval_step_refusal(item: Pin | Schedule, *, actor: Actor, approved: bool) -> PermissionDenied | None:
    """Why ``actor`` may not decide the step ``item`` (pending) waits for, or None if they may: the one
    rule, which ``approval_step_record`` enforces and the pages ask before offering the buttons."""
    team = item.workspace.team
    noun = "pins" if isinstance(item, Pin) else "schedules"
    if not team.allow_self_approval and authored_by(item, actor):
        return PermissionDenied("self_approval_forbidden",
                                f"Your team does not allow approving or rejecting your own {noun}"
                                + (" (an API key's own: the ones it, or the key it was rotated from, created)."
                                   if actor.user is None else "."))
    steps = approval_steps_of(team)
    done = min(item.approval_steps_done, len(steps) - 1)
    step = done + 1
    # A link its author made is the author's hand: with no colleague's approval before it in this round,
    # a guest's decision through it would be the author approving their own pin under another name.
    link = actor.review_link if actor.kind == ActorKind.GUEST_LINK else None
    if (link is not None and not team.allow_self_approval and done == 0
            and made_by(item, user_id=link.created_by_id, key_ids=ApiKey.objects.lineage_ids(link.created_by_key_id))):
        return PermissionDenied("self_approval_forbidden",
                                f"Your team does not allow approving its members' own {noun}: this link was sent by "
                                "the author, so a colleague must approve it or send it for review.")
    # A member who may approve can always stop a pin; a guest decides only at a guest's step.
    may_reject_anyway = not approved and actor.kind != ActorKind.GUEST_LINK
    if not _fits(actor, steps[done]) and not may_reject_anyway:
        return PermissionDenied("approval_step_not_yours",
                                f"Approval step {step} of {len(steps)} is for {_who_fills(steps[done], team)}.")
    if approved and done:
        earlier = ApprovalDecision.objects.about(item).filter(decision=ApprovalDecision.Decision.APPROVED)[:done]
        if _identity(actor) in {_decision_identity(decision) for decision in earlier}:
            return PermissionDenied("approval_step_same_person",
                                    f"You approved an earlier step; step {step} of {len(steps)} needs someone else.")
    return None


def approval_step_record(item: Decidable, *, actor: Actor, approved: bool, comment: str = "") -> bool:
    """Record ``actor``'s decision on the step ``item`` (locked, pending) waits for, after checking
    they may fill it. Returns True when this decides the item: a rejection, or the last step's
    approval. An earlier step's approval only moves ``approval_steps_done`` on (the caller saves)."""
    refusal = approval_step_refusal(item, actor=actor, approved=approved)
    if refusal is not None:
        raise refusal
    steps = approval_steps_of(item.workspace.team)
    step = min(item.approval_steps_done, len(steps) - 1) + 1
    ApprovalDecision.objects.create(
        workspace=item.workspace, **({"pin": item} if isinstance(item, Pin) else {"schedule": item}), step=step,
        decided_by=actor.user, decided_by_key=actor.api_key, review_link=actor.review_link,
        guest_name=actor.guest_name if actor.kind == ActorKind.GUEST_LINK else "", decided_by_label=actor.label,
        decision=ApprovalDecision.Decision.APPROVED if approved else ApprovalDecision.Decision.REJECTED,
        comment=clean_decision_comment(comment), at=timezone.now())
    if not approved:
        return True
    item.approval_steps_done = step
    return step >= len(steps)
