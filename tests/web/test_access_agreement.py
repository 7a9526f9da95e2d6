"""Both faces agree with the one action table (publishing.access.ACTIONS).

Generated from the table: every action, for every role (admin, manager, editor, viewer, an
outsider who is an admin of another team) and, through /v1, every key shape (read; read+write;
read+write+destructive; all scopes, approve included; all scopes but allow-listed to another
account), through the dashboard (Django's test client, a logged-in member) and /v1 (the test
client with a bearer token or an API key). Each outcome (allowed, refused 403, hidden 404) must
be what the table says, read here independently of ``authorize``. Every action must name its
request in each face, or say the face does not offer it (None): an action added to the table
without that fails ``test_every_action_has_a_face_mapping``.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from publishing.access import ACTIONS, Actor
from publishing.models import (
    ApprovalState,
    Asset,
    Membership,
    Pin,
    PinStatus,
    PinterestAccount,
    Schedule,
    ScheduleStatus,
    Workspace,
)
from publishing.permissions import role_can
from publishing.services.auth import access_token_issue
from publishing.services.keys import api_key_create
from publishing.services.pins import pin_create
from publishing.services.review_links import review_link_create
from publishing.services.schedules import schedule_create
from publishing.services.teams import invitation_create
from publishing.services.webhooks import webhook_create
from tests.pipeline_fixtures import pin_payload

ROLES = ["admin", "manager", "editor", "viewer", "outsider"]
KEYS = {"read key": ["read"], "read+write key": ["read", "write"],
        "read+write+destructive key": ["read", "write", "destructive"],
        "all-scopes key": ["read", "write", "destructive", "approve"],
        "allow-listed key": ["read", "write", "destructive", "approve"]}

# Actions that act on an object of the team (an outsider cannot see it: 404). The others create
# in, or read, the caller's own workspace: an outsider does that in their own team, as its admin.
TARGETED = {
    "pin.edit", "pin.retry", "pin.approve", "pin.reject", "pin.delete", "schedule.update", "schedule.cancel",
    "schedule.retry", "schedule.delete", "schedule.approve", "schedule.reject", "asset.delete", "board.refresh",
    "board.create", "board.update", "board.delete", "account.disconnect", "webhook.update", "webhook.delete",
    "api_key.update", "api_key.rotate", "api_key.revoke", "member.set_role", "member.remove", "invitation.resend",
    "invitation.revoke", "pin.comment", "schedule.comment", "review_link.revoke", "account.slots_set",
    "account.slots_apply_suggested",
}
# Actions whose request uses the team's Pinterest account (a key allow-listed elsewhere: 403).
USES_ACCOUNT = {
    "pin.create", "pin.validate", "pin.edit", "pin.retry", "pin.approve", "pin.reject", "pin.delete", "pin.comment",
    "schedule.create", "schedule.validate", "schedule.update", "schedule.cancel", "schedule.retry", "schedule.delete",
    "schedule.approve", "schedule.reject", "board.create", "board.update", "board.delete", "account.disconnect",
    "schedule.comment", "queue.add", "account.slots_set", "account.slots_apply_suggested",
}
# Objects a key limited to other accounts cannot even see (a 404, as for another team's): a review
# link is listed, read and revoked only by keys whose accounts cover all its items (within_accounts).
HIDDEN_OUTSIDE_ALLOW_LIST = {"review_link.revoke"}

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: object = None
    multipart: bool = False


def _payload(o) -> dict:
    return {k: str(v) if k == "account_id" else v for k, v in pin_payload(o["account"], o["board"]).items()}


# How each face asks for each action; ``o`` holds the objects made for the case. None: not offered.
DASHBOARD = {
    "workspace.read": lambda o: Request("get", "/app/pins/"),
    "pin.create": lambda o: Request("post", "/app/compose/", {}),
    "pin.validate": None,
    "pin.edit": lambda o: Request("post", f"/app/pins/{o['failed_pin'].public_id}/edit", {"title": "Edited"}),
    "pin.retry": lambda o: Request("post", f"/app/pins/{o['failed_pin'].public_id}/retry"),
    "pin.approve": lambda o: Request("post", f"/app/approvals/{o['pending_pin'].public_id}/approve"),
    "pin.reject": lambda o: Request("post", f"/app/approvals/{o['pending_pin'].public_id}/reject", {"reason": "No"}),
    "pin.delete": lambda o: Request("post", f"/app/pins/{o['failed_pin'].public_id}/delete", {}),
    "pin.comment": lambda o: Request("post", f"/app/pins/{o['pending_pin'].public_id}/comments", {"body": "Nice"}),
    "schedule.comment": lambda o: Request("post", f"/app/calendar/schedules/{o['schedule'].public_id}/comments",
                                          {"body": "Nice"}),
    "schedule.create": None,  # the dashboard schedules through Compose (pin.create's form and permission)
    "schedule.validate": None,
    "schedule.update": lambda o: Request("post", f"/app/calendar/schedules/{o['schedule'].public_id}/reschedule", {}),
    "schedule.cancel": None,
    "schedule.retry": None,
    "schedule.delete": None,
    "queue.add": None,  # the dashboard queues through Compose (pin.create's form and permission)
    "schedule.approve": lambda o: Request("post", f"/app/approvals/schedules/{o['held_schedule'].public_id}/approve"),
    "schedule.reject": lambda o: Request("post", f"/app/approvals/schedules/{o['held_schedule'].public_id}/reject",
                                         {"reason": "No"}),
    "review_link.list": None,  # the approvals page shows the links to whoever may create them
    "review_link.create": lambda o: Request("post", "/app/approvals/review-links/create",
                                            {"pin_ids": [str(o["pending_pin"].public_id)], "expires_in_days": "7"}),
    "review_link.revoke": lambda o: Request("post", f"/app/approvals/review-links/{o['review_link'].public_id}/revoke"),
    "import.create": None,
    "asset.upload": lambda o: Request("post", "/app/assets/upload", {}),
    "asset.delete": lambda o: Request("post", f"/app/assets/{o['asset'].public_id}/delete", {}),
    "board.refresh": lambda o: Request("post", f"/app/accounts/{o['account'].public_id}/boards/refresh"),
    "board.create": lambda o: Request("post", f"/app/accounts/{o['account'].public_id}/boards/create", {}),
    "board.update": None,
    "board.delete": None,
    "account.connect": lambda o: Request("post", "/app/accounts/connect"),
    "account.disconnect": lambda o: Request("post", f"/app/accounts/{o['account'].public_id}/disconnect"),
    "account.slots_set": lambda o: Request("post", f"/app/settings/accounts/{o['account'].public_id}/slots", {}),
    "account.slots_apply_suggested": lambda o: Request(
        "post", f"/app/accounts/{o['account'].public_id}/best-times/apply", {}),
    "webhook.create": lambda o: Request("post", "/app/team/webhooks/create", {}),
    "webhook.update": lambda o: Request("post", f"/app/team/webhooks/{o['webhook'].public_id}/toggle"),
    "webhook.delete": lambda o: Request("post", f"/app/team/webhooks/{o['webhook'].public_id}/delete"),
    "api_key.list": None,  # the dashboard's key page lists names and prefixes to every member
    "api_key.create": lambda o: Request("post", "/app/api-keys/create", {}),
    "api_key.update": lambda o: Request("post", f"/app/api-keys/{o['key'].public_id}/edit", {}),
    "api_key.rotate": lambda o: Request("post", f"/app/api-keys/{o['key'].public_id}/rotate", {}),
    "api_key.revoke": lambda o: Request("post", f"/app/api-keys/{o['key'].public_id}/revoke"),
    "member.set_role": lambda o: Request("post", f"/app/team/members/{o['membership'].public_id}/role",
                                         {"role": "viewer"}),
    "member.remove": lambda o: Request("post", f"/app/team/members/{o['membership'].public_id}/remove"),
    "invitation.list": None,
    "invitation.create": lambda o: Request("post", "/app/team/invitations", {}),
    "invitation.resend": lambda o: Request("post", f"/app/team/invitations/{o['invitation'].public_id}/resend"),
    "invitation.revoke": lambda o: Request("post", f"/app/team/invitations/{o['invitation'].public_id}/revoke"),
    "team.audit_read": lambda o: Request("get", "/app/team/audit"),
    "team.approval_rules": lambda o: Request("post", "/app/team/settings", {}),
    "workspace.rename": None,
    "workspace.time_zone": lambda o: Request("post", "/app/settings/time-zone", {}),
    "workspace.sandbox_create": None,
    "workspace.sandbox_reset": None,
}

API = {
    "workspace.read": lambda o: Request("get", "/v1/pins"),
    "pin.create": lambda o: Request("post", "/v1/pins", _payload(o)),
    "pin.validate": lambda o: Request("post", "/v1/pins/validate", _payload(o)),
    "pin.edit": lambda o: Request("patch", f"/v1/pins/{o['failed_pin'].public_id}", {"title": "Edited"}),
    "pin.retry": lambda o: Request("post", f"/v1/pins/{o['failed_pin'].public_id}/retry", {}),
    "pin.approve": lambda o: Request("post", f"/v1/pins/{o['pending_pin'].public_id}/approve"),
    "pin.reject": lambda o: Request("post", f"/v1/pins/{o['pending_pin'].public_id}/reject", {"reason": "No"}),
    "pin.delete": lambda o: Request("delete", f"/v1/pins/{o['failed_pin'].public_id}"),
    "pin.comment": lambda o: Request("post", f"/v1/pins/{o['pending_pin'].public_id}/comments", {"body": "Nice"}),
    "schedule.comment": lambda o: Request("post", f"/v1/schedules/{o['schedule'].public_id}/comments",
                                          {"body": "Nice"}),
    "schedule.create": lambda o: Request("post", "/v1/schedules", {**_payload(o), "run_at": o["later"]}),
    "schedule.validate": lambda o: Request("post", "/v1/schedules/validate", {**_payload(o), "run_at": o["later"]}),
    "schedule.update": lambda o: Request("patch", f"/v1/schedules/{o['schedule'].public_id}", {"title": "Later"}),
    "schedule.cancel": lambda o: Request("post", f"/v1/schedules/{o['schedule'].public_id}/cancel"),
    "schedule.retry": lambda o: Request("post", f"/v1/schedules/{o['failed_schedule'].public_id}/retry"),
    "schedule.delete": lambda o: Request("delete", f"/v1/schedules/{o['failed_schedule'].public_id}"),
    "queue.add": lambda o: Request("post", "/v1/queue", _payload(o)),
    "schedule.approve": lambda o: Request("post", f"/v1/schedules/{o['held_schedule'].public_id}/approve"),
    "schedule.reject": lambda o: Request("post", f"/v1/schedules/{o['held_schedule'].public_id}/reject",
                                         {"reason": "No"}),
    "review_link.list": lambda o: Request("get", "/v1/review-links"),
    "review_link.create": lambda o: Request("post", "/v1/review-links", {"pin_ids": [str(o["pending_pin"].public_id)]}),
    "review_link.revoke": lambda o: Request("delete", f"/v1/review-links/{o['review_link'].public_id}"),
    "import.create": lambda o: Request("post", "/v1/pins/imports/json", [_payload(o)]),
    "asset.upload": lambda o: Request("post", "/v1/assets/images", {"file": o["png"]}, multipart=True),
    "asset.delete": lambda o: Request("delete", f"/v1/assets/{o['asset'].public_id}"),
    "board.refresh": None,  # /v1 board reads refresh a stale cache as part of reading (workspace.read)
    "board.create": lambda o: Request("post", "/v1/pinterest/boards",
                                      {"account_id": str(o["account"].public_id), "name": "New"}),
    "board.update": lambda o: Request("patch", f"/v1/pinterest/boards/{o['board'].pinterest_board_id}",
                                      {"account_id": str(o["account"].public_id), "name": "Renamed"}),
    "board.delete": lambda o: Request(
        "delete", f"/v1/pinterest/boards/{o['board'].pinterest_board_id}?account_id={o['account'].public_id}"),
    "account.connect": lambda o: Request("get", "/v1/pinterest/oauth/start"),
    "account.disconnect": lambda o: Request("delete", f"/v1/pinterest/accounts/{o['account'].public_id}"),
    "account.slots_set": lambda o: Request("put", f"/v1/pinterest/accounts/{o['account'].public_id}/slots",
                                           {"slots": [{"weekday": 0, "time": "09:00"}]}),
    "account.slots_apply_suggested": lambda o: Request(
        "post", f"/v1/pinterest/accounts/{o['account'].public_id}/slots/suggestions/apply", {}),
    "webhook.create": lambda o: Request("post", "/v1/webhooks", {"url": "https://hooks.example.com/in",
                                                                 "secret": "s" * 32}),
    "webhook.update": lambda o: Request("patch", f"/v1/webhooks/{o['webhook'].public_id}", {"is_enabled": False}),
    "webhook.delete": lambda o: Request("delete", f"/v1/webhooks/{o['webhook'].public_id}"),
    "api_key.list": lambda o: Request("get", "/v1/api-keys"),
    "api_key.create": lambda o: Request("post", "/v1/api-keys", {"name": "New", "scopes": ["read"]}),
    "api_key.update": lambda o: Request("patch", f"/v1/api-keys/{o['key'].public_id}", {"name": "Renamed"}),
    "api_key.rotate": None,
    "api_key.revoke": lambda o: Request("delete", f"/v1/api-keys/{o['key'].public_id}"),
    "member.set_role": lambda o: Request("patch", f"/v1/team/members/{o['membership'].public_id}",
                                         {"role": "viewer"}),
    "member.remove": lambda o: Request("delete", f"/v1/team/members/{o['membership'].public_id}"),
    "invitation.list": lambda o: Request("get", "/v1/team/invitations"),
    "invitation.create": lambda o: Request("post", "/v1/team/invitations", {"email": "new@acme.test",
                                                                            "role": "editor"}),
    "invitation.resend": lambda o: Request("post", f"/v1/team/invitations/{o['invitation'].public_id}/resend"),
    "invitation.revoke": lambda o: Request("delete", f"/v1/team/invitations/{o['invitation'].public_id}"),
    "team.audit_read": None,  # /v1/activity-logs is the workspace's activity (workspace.read)
    "team.approval_rules": None,
    "workspace.rename": lambda o: Request("put", "/v1/auth/profile", {"workspace_name": "Renamed"}),
    "workspace.time_zone": lambda o: Request("put", "/v1/queue/time-zone", {"time_zone": "Europe/Paris"}),
    "workspace.sandbox_create": lambda o: Request("post", "/v1/projects/sandbox", {}),
    "workspace.sandbox_reset": lambda o: Request("post", "/v1/projects/sandbox/reset"),
}
FACES = {"dashboard": DASHBOARD, "api": API}


def expected(action: str, principal: str) -> str:
    """What the table says, read directly: "allowed", "refused" (403) or "hidden" (404)."""
    rule = ACTIONS[action]
    if principal == "outsider":
        return "hidden" if action in TARGETED else "allowed"  # an admin, in their own team
    if principal in ROLES:
        return "allowed" if role_can(principal, rule.permission) else "refused"
    scopes = KEYS[principal]
    restricted = principal == "allow-listed key"
    if rule.user_only or rule.scope.value not in scopes or (rule.all_accounts and restricted):
        return "refused"
    if restricted and action in HIDDEN_OUTSIDE_ALLOW_LIST:
        return "hidden"
    if restricted and action in USES_ACCOUNT:
        return "refused"
    return "allowed"


def outcome(status: int) -> str:
    return {403: "refused", 404: "hidden"}.get(status, "allowed")


def cases():
    for face, mapping in FACES.items():
        principals = ROLES if face == "dashboard" else ROLES + list(KEYS)
        for action in ACTIONS:
            if mapping.get(action) is not None:
                yield pytest.param(face, action, principals, id=f"{face}-{action}")


AGREEMENT_CASES = list(cases())


def test_every_action_has_a_face_mapping():
    """A new action must say how each face asks for it (or that the face does not offer it)."""
    for face, mapping in FACES.items():
        assert set(mapping) == set(ACTIONS), (face, set(ACTIONS) ^ set(mapping))
    assert all(DASHBOARD[action] or API[action] for action in ACTIONS), "an action no face offers"


@pytest.fixture
def world(cast, workspace, offline_account, offline_board, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    other_account = PinterestAccount.objects.create(workspace=workspace, pinterest_user_id="1000000000000000002",
                                                    username="acme_other", access_token="pina_other")
    return {"cast": cast, "workspace": workspace, "account": offline_account, "board": offline_board,
            "other_account": other_account}


def _objects(world) -> dict:
    """The objects one case's requests act on (made once per case, rolled back with it)."""
    cast, workspace, account = world["cast"], world["workspace"], world["account"]
    system = Actor.system(workspace, job="test")
    editor = Actor.for_user(cast.editor, workspace)
    manager = Actor.for_user(cast.manager, workspace)
    o = dict(world, png=None, later=(timezone.now() + timedelta(days=2)).isoformat())
    failed = pin_create(actor=manager, source="api", data=pin_payload(account, world["board"], idempotency_key="f"))
    Pin.objects.filter(pk=failed.pk).update(status=PinStatus.FAILED, error_code="boom")
    o["failed_pin"] = failed
    o["pending_pin"] = pin_create(actor=editor, source="dashboard",
                                  data=pin_payload(account, world["board"], idempotency_key="p"))
    assert o["pending_pin"].approval_state == ApprovalState.PENDING
    data = {k: v for k, v in pin_payload(account, world["board"]).items() if k != "idempotency_key"}
    o["schedule"] = schedule_create(actor=manager, data={**data, "run_at": timezone.now() + timedelta(days=2)})
    o["failed_schedule"] = schedule_create(actor=manager, data={**data, "title": "Other",
                                                                "run_at": timezone.now() + timedelta(days=3)})
    Schedule.objects.filter(pk=o["failed_schedule"].pk).update(own_status=ScheduleStatus.FAILED)
    # An editor's schedule awaiting approval before its pin exists.
    o["held_schedule"] = schedule_create(actor=editor, data={**data, "title": "Held",
                                                             "run_at": timezone.now() + timedelta(days=1)})
    assert o["held_schedule"].approval_state == ApprovalState.PENDING
    o["review_link"] = review_link_create(actor=manager, pin_ids=[o["pending_pin"].public_id]).link
    o["asset"] = Asset.objects.create(workspace=workspace, asset_type=Asset.Kind.IMAGE, original_filename="a.png",
                                      extension="png", content_type="image/png", size_bytes=10, file="none.png")
    o["webhook"] = webhook_create(actor=system, url="https://hooks.example.com/pins", secret="s" * 32)
    o["key"] = api_key_create(actor=system, name="Target").key
    o["membership"] = Membership.objects.get(team=cast.team, user=cast.editor)
    o["invitation"] = invitation_create(actor=system, email="invited@acme.test", role="editor")
    return o


def _client_for(world, face: str, principal: str) -> Client:
    cast, workspace = world["cast"], world["workspace"]
    client = Client()
    if principal in ROLES:
        user = cast.outsider if principal == "outsider" else cast.by_role(principal)
        if face == "dashboard":
            client.force_login(user)
            return client
        own = workspace if principal != "outsider" else Workspace.objects.for_team(cast.other_team).first()
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {access_token_issue(user=user, workspace=own).token}"
        return client
    accounts = [world["other_account"]] if principal == "allow-listed key" else None
    issued = api_key_create(actor=Actor.system(workspace, job="test"), name=principal, scopes=KEYS[principal],
                            accounts=accounts)
    client.defaults["HTTP_X_API_KEY"] = issued.plaintext
    return client


def _send(client: Client, request: Request) -> int:
    if request.multipart:
        from django.core.files.uploadedfile import SimpleUploadedFile

        return client.post(request.path, {"file": SimpleUploadedFile("p.png", PNG, "image/png")}).status_code
    call = getattr(client, request.method)
    if request.method == "get":
        return call(request.path).status_code
    if request.path.startswith("/v1"):
        if request.body is None:
            return call(request.path).status_code
        return call(request.path, request.body, content_type="application/json").status_code
    return call(request.path, request.body or {}).status_code


@pytest.mark.parametrize(("face", "action", "principals"), AGREEMENT_CASES)
def test_each_face_does_what_the_table_says(world, face, action, principals):
    disagreements = []
    objects = _objects(world)
    for principal in principals:
        with transaction.atomic():  # each principal's request meets the objects as they were made
            client = _client_for(world, face, principal)
            status = _send(client, FACES[face][action](objects))
            transaction.set_rollback(True)
        want = expected(action, principal)
        if outcome(status) != want:
            disagreements.append(f"{principal}: the table says {want}, {face} answered {status}")
    assert not disagreements, f"{action} through the {face}: " + "; ".join(disagreements)


def test_the_agreement_covers_every_offered_action_principal_and_face():
    count = sum(len(case.values[2]) for case in AGREEMENT_CASES)
    assert len(ACTIONS) >= 40 and count >= 400, (len(ACTIONS), count)
    print(f"actions in the table: {len(ACTIONS)}; agreement cases: {count}")
