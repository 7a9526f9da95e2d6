from django.conf import settings
from django.core.handlers.exception import response_for_exception
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from publishing.access import (
    SESSION_TEAM_KEY,
    SESSION_WORKSPACE_KEY,
    AccessRefused,
    refusal_as_django,
    resolve_team_context,
)
from publishing.pinterest.factory import pinterest_deadline


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

    def process_exception(self, request, exception):
        """A service's access refusal in a dashboard view is the 404 or 403 page (the API maps its own)."""
        if isinstance(exception, AccessRefused):
            return response_for_exception(request, refusal_as_django(exception))
        return None


class WorkspaceTimeZoneMiddleware:
    """Dashboard pages show every time in the current workspace's zone, and forms read the
    date-times members type in that zone too (so "9:00" means 9:00 where the team works)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Only dashboard views: the API answers in UTC and the login pages need no team.
        if view_func.__module__.startswith("publishing.views") and getattr(request, "team_context", None):
            timezone.activate(request.team_context.workspace.zone)


class PinterestDeadlineMiddleware:
    """Every Pinterest call a request makes (board create, update and delete, a fresh board check,
    the OAuth callback, deleting a pin on Pinterest) shares one short deadline,
    ``PINTEREST_REQUEST_TIMEOUT_SECONDS``: past it the call fails as Pinterest unavailable (the API's
    502, an inline error on the page) instead of holding a web thread for the jobs' longer timeout."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with pinterest_deadline(settings.PINTEREST_REQUEST_TIMEOUT_SECONDS):
            return self.get_response(request)
