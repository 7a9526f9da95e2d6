"""/v1/auth: login (bearer tokens), the caller's identity and profile, passwords."""

from typing import NoReturn

from django.http import HttpResponse
from ninja import Router

from publishing.api.errors import ApiError, not_available
from publishing.api.schemas.common import MessageOut, encoded, responses
from publishing.api.schemas.identity import (
    UNSUPPORTED_PROFILE_FIELDS,
    AuthOut,
    ChangePasswordIn,
    ForgotPasswordIn,
    LoginIn,
    MeOut,
    ProfileOut,
    ProfileUpdateIn,
    RegisterIn,
    ResetPasswordIn,
    session_out,
)
from publishing.api.security import ApiCaller, caller
from publishing.models import Membership, Workspace
from publishing.services import auth as auth_services
from publishing.services import teams as team_services
from publishing.services.errors import ValidationError

router = Router(tags=["auth"])


def auth_response(user, membership: Membership, workspace: Workspace) -> dict:
    issued = auth_services.access_token_issue(user=user, workspace=workspace)
    return {**session_out(user, membership, workspace), "access_token": issued.token, "token_type": "bearer",
            "expires_in": issued.expires_in}


def _default_workspace(membership: Membership) -> Workspace:
    # Production first when the team has one: that is where real work happens.
    return Workspace.objects.for_team(membership.team).order_by("environment", "name").first()


@router.post("/login", response=responses({200: AuthOut}, 403, 409, 429), auth=None,
             summary="Exchange an email and password for a bearer token")
def login(request, data: LoginIn):
    user = auth_services.user_authenticate(request=request, email=data.email, password=data.password)
    if data.invite_token:
        membership, _ = team_services.invitation_accept(token=data.invite_token, user=user)
    else:
        membership = Membership.objects.for_user(user).order_by("team__name", "id").first()
    if membership is None:
        raise ApiError("no_team", "This user does not belong to any team yet; ask an admin for an invitation.", 403)
    return auth_response(user, membership, _default_workspace(membership))


@router.post("/register", response=responses({201: AuthOut}, 403), auth=None,
             summary="Refused: accounts are created by an admin or by accepting an invitation")
def register(request, data: RegisterIn):
    raise ApiError("registration_closed",
                   "Self-hosted Pinboard has no open sign-up: ask an admin of your team for an invitation.", 403)


@router.post("/forgot-password", response=responses({200: MessageOut}), auth=None)
def forgot_password(request, data: ForgotPasswordIn):
    auth_services.password_reset_request(email=data.email)
    # The same answer whether or not the address has an account.
    return {"message": "If that address has an account, a reset email is on its way."}


@router.post("/reset-password", response=responses({200: MessageOut}), auth=None)
def reset_password(request, data: ResetPasswordIn):
    auth_services.password_reset_confirm(token=data.token, password=data.password)
    return {"message": "Your password was changed; log in with the new one."}


@router.post("/change-password", response=responses({200: MessageOut}, 403))
def change_password(request, data: ChangePasswordIn):
    who = caller(request)
    user = who.require_user()
    auth_services.password_change(user=user, current_password=data.current_password,
                                  new_password=data.new_password, keep_token=who.access_token)
    return {"message": "Password changed; your other sessions were logged out."}


@router.get("/me", response=responses({200: MeOut}, 403))
def me(request, response: HttpResponse):
    who = caller(request)
    user = who.require_user()
    # session_out builds MeOut's exact shape (tests/api/test_api_costs.py compares it with the
    # validated dump): validating it again cost a fifth of the request. It reads only what the auth
    # epoch tracks, so its text is kept with the credential's cached copy.
    response.content = who.remember("auth.me", lambda: encoded(session_out(user, who.membership, who.workspace)))
    return response


def _profile(who: ApiCaller) -> dict:
    user = who.require_user()
    return {"full_name": user.full_name or None, "email": user.email, "workspace_name": who.workspace.name}


@router.get("/profile", response=responses({200: ProfileOut}, 403))
def get_profile(request):
    return _profile(caller(request))


@router.put("/profile", response=responses({200: ProfileOut}, 403))
def update_profile(request, data: ProfileUpdateIn):
    who = caller(request)
    user = who.require_user()
    unsupported = {name: "Self-hosted Pinboard keeps no billing or company profile."
                   for name in UNSUPPORTED_PROFILE_FIELDS if getattr(data, name) is not None}
    if unsupported:
        raise ValidationError("field_not_supported", next(iter(unsupported.values())), fields=unsupported)
    if data.workspace_name is not None:
        team_services.workspace_rename(name=data.workspace_name, actor=who.actor)
    if data.full_name is not None:
        team_services.user_update_profile(user=user, full_name=data.full_name)
    return _profile(who)


def _not_available(what: str) -> NoReturn:
    not_available(f"{what} is not available on self-hosted Pinboard.")


@router.post("/email/verify/request", response=responses({200: MessageOut}, 403))
def request_email_verification(request):
    caller(request).require_user()
    return {"message": "Your email address is already verified."}


@router.get("/email/verify", response=responses({200: MessageOut}, 404), auth=None)
def verify_email(request, token: str):
    _not_available("Email verification links")


@router.post("/email/change/request", response=responses({200: MessageOut}, 404))
def request_email_change(request):
    _not_available("Changing the login email address from the API (an admin can change it)")


@router.get("/email/change/confirm", response=responses({200: MessageOut}, 404), auth=None)
def confirm_email_change(request, token: str):
    _not_available("Changing the login email address from the API (an admin can change it)")

