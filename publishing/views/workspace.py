import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from publishing.access import SESSION_TEAM_KEY, SESSION_WORKSPACE_KEY, team_context_or_404
from publishing.models import Workspace


@login_required
@require_POST
def switch_workspace(request):
    """Remember another of the user's workspaces in the session; anyone else's is a 404."""
    team_context_or_404(request)
    try:
        workspace_id = uuid.UUID(request.POST.get("workspace", ""))
    except ValueError:
        raise Http404("No such workspace.") from None
    workspace = get_object_or_404(
        Workspace.objects.select_related("team"), public_id=workspace_id, team__memberships__user=request.user
    )
    request.session[SESSION_TEAM_KEY] = str(workspace.team.public_id)
    request.session[SESSION_WORKSPACE_KEY] = str(workspace.public_id)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)
