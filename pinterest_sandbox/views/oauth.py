"""OAuth: the authorize page standing in for pinterest.com/oauth/, and ``POST /v5/oauth/token``."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from pinterest_sandbox import conf, errors
from pinterest_sandbox.endpoint import CLIENT_BASIC, ApiCall, dispatch, operation
from pinterest_sandbox.models import SandboxUser
from pinterest_sandbox.services import oauth as oauth_services
from pinterest_sandbox.services.accounts import sandbox_user_create, username_valid

NEW_USER_BOARDS = 3


# --- POST /v5/oauth/token ---------------------------------------------------------------------


@operation("oauth.token", CLIENT_BASIC)
def oauth_token(call: ApiCall) -> JsonResponse:
    if call.request.content_type != "application/x-www-form-urlencoded":
        raise errors.invalid("Invalid request: Content-Type must be application/x-www-form-urlencoded")
    form = call.request.POST
    if any("\x00" in value for value in form.values()):
        raise errors.invalid("Invalid request: parameters must not contain NUL characters")
    grant_type = form.get("grant_type", "")
    if grant_type == "authorization_code":
        missing = [name for name in ("code", "redirect_uri") if not form.get(name)]
        if missing:
            raise errors.invalid(f"Invalid request: {missing[0]} is required")
        answer = oauth_services.token_exchange_code(
            client_id=call.client_id, code=form["code"], redirect_uri=form["redirect_uri"]
        )
        if answer is None:  # a replayed code: answered, not raised, so its revocations commit
            return errors.authentication_failed().response()
    elif grant_type == "refresh_token":
        if not form.get("refresh_token"):
            raise errors.invalid("Invalid request: refresh_token is required")
        answer = oauth_services.token_refresh(
            client_id=call.client_id,
            refresh_token=form["refresh_token"],
            scope=form.get("scope"),
            continuous_refresh=form.get("continuous_refresh", "").lower() == "true",
        )
    else:
        raise errors.invalid(
            f"Invalid request: grant_type: '{grant_type}' is not one of authorization_code, refresh_token"
        )
    return JsonResponse(answer)


token = dispatch(POST=oauth_token)


# --- The authorize page -----------------------------------------------------------------------


class AuthorizeRequestError(Exception):
    """The request cannot be sent back to the app (bad client_id or redirect_uri): say so here."""


class ApproveForm(forms.Form):
    username = forms.CharField(
        required=False,
        max_length=30,
        label="Sandbox username to act as",
        help_text=f"Leave blank for a new sandbox account with {NEW_USER_BOARDS} boards.",
    )

    def __init__(self, *args, request: HttpRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_username(self) -> SandboxUser | str:
        username = self.cleaned_data["username"].strip()
        if not username:
            return ""
        if not username_valid(username):
            raise forms.ValidationError("A username is 3 to 30 letters, digits or underscores.")
        existing = SandboxUser.objects.filter(username=username).first()
        if existing is None:
            return username
        login = self.request.user
        # Sandbox accounts hold a team's draft pins: only whoever created one (or staff) may act as it.
        if login.is_authenticated and (login.is_staff or login.pk == existing.created_by_user_id):
            return existing
        raise forms.ValidationError("That sandbox username is taken. Leave it blank for a new account.")


def _authorize_params(data) -> dict:
    params = {
        name: data.get(name, "") for name in ("client_id", "redirect_uri", "response_type", "scope", "state")
    }
    if any("\x00" in value for value in params.values()):
        raise AuthorizeRequestError("The request contains NUL characters.")
    if params["client_id"] != conf.app_id():
        raise AuthorizeRequestError(f"No app with client_id “{params['client_id']}” is known to the sandbox.")
    parts = urlsplit(params["redirect_uri"])
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        raise AuthorizeRequestError("redirect_uri must be an absolute http(s) URL without a fragment.")
    # Checked before anything is sent there, errors included: otherwise this page would redirect
    # anyone anywhere (an open redirect on this server's domain).
    if not oauth_services.redirect_uri_registered(params["redirect_uri"]):
        raise AuthorizeRequestError("redirect_uri is not one the app registered.")
    return params


def _redirect(redirect_uri: str, **values: str) -> HttpResponseRedirect:
    parts = urlsplit(redirect_uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + [
        (k, v) for k, v in values.items() if v is not None
    ]
    return HttpResponseRedirect(urlunsplit(parts._replace(query=urlencode(query))))


@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    """GET shows the app, the scopes and approve/deny; POST (CSRF-protected) decides and
    redirects to ``redirect_uri`` with ``code`` and ``state``, or ``error=access_denied``."""
    try:
        params = _authorize_params(request.POST if request.method == "POST" else request.GET)
    except AuthorizeRequestError as exc:
        return render(request, "pinterest_sandbox/authorize_error.html", {"problem": str(exc)}, status=400)
    state = params["state"] or None
    if params["response_type"] != "code":
        return _redirect(params["redirect_uri"], error="unsupported_response_type", state=state)
    try:
        scopes = oauth_services.scopes_parse(params["scope"])
    except ValueError:
        scopes = []
    if not scopes:
        return _redirect(params["redirect_uri"], error="invalid_scope", state=state)

    form = ApproveForm(request.POST or None, request=request)
    decision = request.POST.get("decision")
    if request.method == "POST":
        if decision == "deny":
            return _redirect(params["redirect_uri"], error="access_denied", state=state)
        if decision != "approve":
            form.add_error(None, "Choose “Give access” or “Cancel”.")
        elif form.is_valid():
            user = form.cleaned_data["username"]
            if not isinstance(user, SandboxUser):
                user = sandbox_user_create(
                    username=user or None,
                    boards=NEW_USER_BOARDS,
                    created_by_user_id=request.user.pk if request.user.is_authenticated else None,
                )
            code = oauth_services.authorization_code_create(
                user=user, client_id=params["client_id"], redirect_uri=params["redirect_uri"], scopes=scopes
            )
            return _redirect(params["redirect_uri"], code=code, state=state)
    context = {
        "params": params,
        "form": form,
        "scopes": [(scope, oauth_services.SCOPES[scope]) for scope in scopes],
        "redirect_host": urlsplit(params["redirect_uri"]).netloc,
    }
    return render(request, "pinterest_sandbox/authorize.html", context, status=400 if form.errors else 200)
