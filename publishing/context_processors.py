from publishing.models import Membership, Workspace
from publishing.navigation import navigation_for


def workspace(request):
    """The current team context, the switcher's choices and the navigation, for base.html."""
    context = getattr(request, "team_context", None)
    if not context:  # anonymous, or a lazy object wrapping None
        return {}
    memberships = Membership.objects.for_user(context.user).order_by("team__name")
    switcher = Workspace.objects.filter(team__memberships__user=context.user).select_related("team")
    return {
        "team_context": context,
        "current_team": context.team,
        "current_workspace": context.workspace,
        "current_role": context.role,
        "can": context.permissions,
        "my_memberships": memberships,
        "switchable_workspaces": switcher.order_by("team__name", "environment", "name"),
        "navigation": navigation_for(request, context),
    }
