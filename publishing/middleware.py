from urllib.parse import urlsplit

from django.conf import settings
from django.core.handlers.exception import response_for_exception
from django.http import HttpResponse
from django.shortcuts import resolve_url
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


class HtmxSessionEndedMiddleware:
    """An htmx request from a page whose session has since ended (expired, or logged out in another
    tab) is answered 401, not with the redirect to the login page: htmx would follow that redirect and
    swap the login page into whatever part of the page asked (the bell, a table, a form's errors).
    With a 401 nothing is swapped and pinboard.js says the session ended, so the page, and whatever
    was typed in it, stays. A page loaded without htmx is still redirected to log in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A history restore (Back to a page htmx no longer holds) swaps the whole body: the login page there is right.
        if (request.htmx and not request.htmx.history_restore_request and response.status_code == 302
                and not request.user.is_authenticated
                and urlsplit(response["Location"]).path == resolve_url(settings.LOGIN_URL)):
            return HttpResponse("Your session has ended: log in again.", status=401,
                                content_type="text/plain; charset=utf-8")
        return response


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
