from django.utils.functional import SimpleLazyObject

from publishing.access import SESSION_TEAM_KEY, SESSION_WORKSPACE_KEY, resolve_team_context


class CurrentWorkspaceMiddleware:
    """Attaches ``request.team_context`` (lazily: pages that do not need it pay no query)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        def load():
            return resolve_team_context(
                request.user,
                team_id=request.session.get(SESSION_TEAM_KEY),
                workspace_id=request.session.get(SESSION_WORKSPACE_KEY),
            )

        request.team_context = SimpleLazyObject(load) if request.user.is_authenticated else None
        return self.get_response(request)
