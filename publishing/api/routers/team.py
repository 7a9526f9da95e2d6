"""/v1/team: members and invitations of the caller's team (admins manage; everyone may look)."""

from uuid import UUID

from ninja import Router, Status

from publishing.api.routers.auth import auth_response
from publishing.api.schemas.common import MessageOut, responses
from publishing.api.schemas.identity import (
    InvitationAcceptIn,
    InvitationAcceptOut,
    InvitationCreateIn,
    InvitationOut,
    InvitationPreviewOut,
    InvitationsOut,
    MemberOut,
    MembersOut,
    RoleIn,
    user_out,
)
from publishing.api.security import actor_of, resolve_caller
from publishing.lookups import invitation_for_team_or_404, membership_for_team_or_404
from publishing.models import Invitation, Membership, Workspace
from publishing.services import teams as team_services

router = Router(tags=["team"])


def member_out(membership: Membership) -> dict:
    return {"id": membership.public_id, "organization_id": membership.team.public_id,
            "user_id": membership.user.public_id, "role": membership.role, "accepted_at": membership.created_at,
            "created_at": membership.created_at, "updated_at": membership.created_at,
            "user": user_out(membership.user)}


def _inviter(invitation: Invitation) -> dict:
    inviter = invitation.invited_by
    return {"inviter_name": inviter.get_full_name() if inviter else None,
            "inviter_email": inviter.email if inviter else None}


def invitation_out(invitation: Invitation) -> dict:
    inviter = invitation.invited_by
    return {"id": invitation.public_id, "organization_id": invitation.team.public_id, "email": invitation.email,
            "role": invitation.role, "invited_by_user_id": inviter.public_id if inviter else None,
            "expires_at": invitation.expires_at, "accepted_at": invitation.accepted_at,
            "revoked_at": invitation.revoked_at, "created_at": invitation.created_at,
            "updated_at": invitation.updated_at, **_inviter(invitation)}


@router.get("/members", response=responses({200: MembersOut}, 403))
def list_members(request):
    who = actor_of(request, "workspace.read")
    return {"items": [member_out(m) for m in Membership.objects.for_team(who.team).select_related("team")]}


@router.patch("/members/{member_id}", response=responses({200: MemberOut}, 403, 404, 409))
def update_member(request, member_id: UUID, data: RoleIn):
    who = actor_of(request)
    membership = team_services.membership_update_role(membership=membership_for_team_or_404(who, member_id),
                                                      role=data.role, actor=who)
    return member_out(membership_for_team_or_404(who, membership.public_id))


@router.delete("/members/{member_id}", response=responses({200: MessageOut}, 403, 404, 409))
def remove_member(request, member_id: UUID):
    who = actor_of(request)
    membership = membership_for_team_or_404(who, member_id)
    team_services.membership_remove(membership=membership, actor=who)
    return {"message": f"{membership.user.email} was removed from {who.team.name}."}


@router.get("/invitations", response=responses({200: InvitationsOut}, 403))
def list_invitations(request):
    who = actor_of(request, "invitation.list")
    invitations = Invitation.objects.filter(team=who.team).select_related("team", "invited_by")
    return {"items": [invitation_out(i) for i in invitations]}


@router.post("/invitations", response=responses({201: InvitationOut}, 403, 409))
def create_invitation(request, data: InvitationCreateIn):
    who = actor_of(request)
    invitation = team_services.invitation_create(email=data.email, role=data.role, actor=who)
    return Status(201, invitation_out(invitation))


@router.get("/invitations/preview", response=responses({200: InvitationPreviewOut}, 404), auth=None)
def preview_invitation(request, token: str):
    invitation = team_services.invitation_by_token(token)
    return {"organization_id": invitation.team.public_id, "organization_name": invitation.team.name,
            "email": invitation.email, "role": invitation.role,
            "status": team_services.invitation_status(invitation), "expires_at": invitation.expires_at,
            "team_access_enabled": True, **_inviter(invitation)}


@router.post("/invitations/accept", response=responses({200: InvitationAcceptOut}, 403, 404, 409), auth=None)
def accept_invitation(request, data: InvitationAcceptIn):
    """Join with a login (the invited address's own), or without one for an address that has no
    account yet: the account is created and a set-password email follows."""
    who = resolve_caller(request) if _has_credentials(request) else None
    user = who.require_user() if who else None
    membership, user = team_services.invitation_accept(token=data.token, user=user)
    workspace = Workspace.objects.for_team(membership.team).order_by("environment", "name").first()
    return auth_response(user, membership, workspace)


def _has_credentials(request) -> bool:
    return bool(request.headers.get("x-api-key") or request.headers.get("Authorization")
                or getattr(request, "user", None) and request.user.is_authenticated)


@router.post("/invitations/{invitation_id}/resend", response=responses({200: InvitationOut}, 403, 404, 409))
def resend_invitation(request, invitation_id: UUID):
    who = actor_of(request)
    return invitation_out(team_services.invitation_resend(invitation=invitation_for_team_or_404(who, invitation_id),
                                                          actor=who))


@router.delete("/invitations/{invitation_id}", response=responses({200: MessageOut}, 403, 404, 409))
def revoke_invitation(request, invitation_id: UUID):
    who = actor_of(request)
    invitation = team_services.invitation_revoke(invitation=invitation_for_team_or_404(who, invitation_id), actor=who)
    return {"message": f"The invitation for {invitation.email} was revoked."}
