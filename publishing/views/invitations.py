"""Accepting an emailed invitation: logged-in members join with their account; a new address gets
an account and a set-password email."""

from django.contrib import messages
from django.shortcuts import redirect, render

from publishing.access import SESSION_TEAM_KEY
from publishing.services.errors import DomainError
from publishing.services.teams import invitation_accept, invitation_by_token, invitation_status
from publishing.views.common import attempt

TEMPLATE = "publishing/invitations/accept.html"


def invitation_accept_view(request):
    token = (request.POST.get("token") if request.method == "POST" else request.GET.get("token")) or ""
    invitation = attempt(lambda: invitation_by_token(token)) if token and "\x00" not in token else None
    if invitation is None or isinstance(invitation, DomainError):
        return render(request, TEMPLATE, {"error": "This invitation link is not valid."}, status=404)
    status = invitation_status(invitation)
    if request.method == "POST" and status == "pending":
        user = request.user if request.user.is_authenticated else None
        joined = attempt(lambda: invitation_accept(token=token, user=user))
        if isinstance(joined, DomainError):
            return render(request, TEMPLATE, {"invitation": invitation, "status": status, "token": token,
                                              "error": joined.message}, status=joined.status_hint)
        membership, _ = joined
        if user is None:
            messages.success(request, f"Welcome to {membership.team.name}. We emailed you a link to set your password.")
            return redirect("login")
        request.session[SESSION_TEAM_KEY] = str(membership.team.public_id)
        messages.success(request, f"You joined {membership.team.name} as {membership.role}.")
        return redirect("overview")
    return render(request, TEMPLATE, {"invitation": invitation, "status": status, "token": token})
