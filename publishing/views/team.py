"""Team and settings: members and roles, invitations, approval rules, the audit log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from publishing.access import authorize, team_context_or_404
from publishing.forms import ApprovalRulesForm, AuditFilterForm, InvitationForm, MemberRoleForm
from publishing.lookups import invitation_for_team_or_404, membership_for_team_or_404
from publishing.models import AuditEvent, Invitation, Membership
from publishing.pagination import keyset_page
from publishing.permissions import Role
from publishing.services.errors import DomainError
from publishing.services.teams import (
    invitation_create,
    invitation_resend,
    invitation_revoke,
    invitation_status,
    membership_remove,
    membership_update_role,
    team_approval_rules_update,
)
from publishing.views.common import attempt, render_page, submit, uuid_or_none

AUDIT_PAGE_SIZE = 50


def members_page(request, ctx, *, invitation_form=None, error=None, status=200):
    invitations = list(
        Invitation.objects.filter(team=ctx.team, accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at", "-id")
    )
    for invitation in invitations:
        invitation.status = invitation_status(invitation)
    return render_page(
        request,
        "publishing/team/members.html",
        {
            "ctx": ctx,
            "memberships": Membership.objects.for_team(ctx.team).order_by("user__email"),
            "invitations": invitations,
            "invitation_form": invitation_form or InvitationForm(),
            "roles": Role.choices(),
            "error": error,
        },
        status=status,
        fragment="team_area",
    )


@login_required
def team_members(request):
    return members_page(request, team_context_or_404(request))


def members_after(request, ctx, change):
    """Run one change to members or invitations, then show the members area (with the refusal, if any)."""
    outcome = attempt(change)
    if isinstance(outcome, DomainError):
        return members_page(request, ctx, error=outcome.message, status=outcome.status_hint)
    return members_page(request, ctx)


@login_required
@require_POST
def member_role(request, public_id):
    ctx = team_context_or_404(request, "member.set_role")
    membership = membership_for_team_or_404(ctx.actor, public_id)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        return members_page(request, ctx, error="Choose one of the roles.", status=422)
    return members_after(request, ctx, lambda: membership_update_role(
        membership=membership, role=form.cleaned_data["role"], actor=ctx.actor))


@login_required
@require_POST
def member_remove(request, public_id):
    ctx = team_context_or_404(request)
    membership = membership_for_team_or_404(ctx.actor, public_id)
    return members_after(request, ctx, lambda: membership_remove(membership=membership, actor=ctx.actor))


@login_required
@require_POST
def invitation_create_view(request):
    ctx = team_context_or_404(request, "invitation.create")
    form = InvitationForm(request.POST)
    if submit(form, lambda: invitation_create(email=form.cleaned_data["email"], role=form.cleaned_data["role"],
                                              actor=ctx.actor)):
        return members_page(request, ctx)
    return members_page(request, ctx, invitation_form=form, status=422)


@login_required
@require_POST
def invitation_resend_view(request, public_id):
    ctx = team_context_or_404(request)
    invitation = invitation_for_team_or_404(ctx.actor, public_id)
    return members_after(request, ctx, lambda: invitation_resend(invitation=invitation, actor=ctx.actor))


@login_required
@require_POST
def invitation_revoke_view(request, public_id):
    ctx = team_context_or_404(request)
    invitation = invitation_for_team_or_404(ctx.actor, public_id)
    return members_after(request, ctx, lambda: invitation_revoke(invitation=invitation, actor=ctx.actor))


@login_required
def team_settings(request):
    """The team's approval rules: everyone may read them, admins change them."""
    ctx = team_context_or_404(request)
    form = ApprovalRulesForm(request.POST if request.method == "POST" else None, instance=ctx.team)
    if request.method == "POST":
        authorize(ctx.actor, "team.approval_rules")  # before the form: a refusal is not an input error
        if form.is_valid():
            team_approval_rules_update(actor=ctx.actor, **form.cleaned_data)
            messages.success(request, "Saved the approval rules.")
            # The workspace settings page shows the same form and asks to come back to it.
            return redirect("workspace_settings" if request.POST.get("next") == "workspace_settings"
                            else "team_settings")
    return render_page(request, "publishing/team/settings.html", {"ctx": ctx, "form": form},
                       status=422 if form.errors else 200)


@login_required
def team_audit(request):
    # Admins only: the trail names members' addresses and the IP addresses they acted from.
    ctx = team_context_or_404(request, "team.audit_read")
    events = AuditEvent.objects.for_team(ctx.team)
    actions = events.order_by("action").values_list("action", flat=True).distinct()
    form = AuditFilterForm(request.GET or None, actions=list(actions))
    page = keyset_page(
        form.filter(events), size=AUDIT_PAGE_SIZE,
        after=uuid_or_none(request.GET.get("after")), before=uuid_or_none(request.GET.get("before")),
    )
    return render_page(request, "publishing/team/audit.html", {"ctx": ctx, "form": form, "page": page},
                       fragment="results")
