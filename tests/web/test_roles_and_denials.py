"""Roles govern every dashboard endpoint: outsiders get 404 for another team's objects, members
whose role lacks the permission get 403 (and see no control for it), anonymous visitors log in."""

import pytest

from publishing.access import Actor
from publishing.models import ApiKey, Invitation, Membership, Schedule, Webhook
from publishing.services.keys import api_key_create
from publishing.services.schedules import schedule_create
from publishing.services.teams import invitation_create
from publishing.services.webhooks import webhook_create
from tests.pipeline_fixtures import pin_payload

ROLES = ["admin", "manager", "editor", "viewer"]


@pytest.fixture
def objects(cast, workspace, offline_account, offline_board, make_pin, settings):
    """One of every object the dashboard acts on, in the cast's team."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    from datetime import timedelta

    from django.utils import timezone

    pin = make_pin()
    schedule = schedule_create(actor=Actor.for_user(cast.manager, workspace), data={
        **{k: v for k, v in pin_payload(offline_account, offline_board).items() if k != "idempotency_key"},
        "run_at": timezone.now() + timedelta(days=2)})
    key = api_key_create(actor=Actor.system(workspace, job="test"), name="Worker").key
    webhook = webhook_create(
        actor=Actor.system(workspace, job="test"), url="https://hooks.example.com/pins", secret="s" * 32
    )
    invitation = invitation_create(actor=Actor.system(workspace, job="test"), email="new@acme.test", role="editor")
    editor_membership = Membership.objects.get(team=cast.team, user=cast.editor)
    return {"pin": pin.public_id, "schedule": schedule.public_id, "key": key.public_id, "webhook": webhook.public_id,
            "invitation": invitation.public_id, "membership": editor_membership.public_id,
            "account": offline_account.public_id}


# (method, url template, roles allowed). Pages every member may read are listed too.
ENDPOINTS = [
    ("get", "/app/", ROLES),
    ("get", "/app/pins/", ROLES),
    ("get", "/app/pins/{pin}/", ROLES),
    ("get", "/app/pins/{pin}/row", ROLES),
    ("get", "/app/approvals/", ROLES),
    ("get", "/app/calendar/", ROLES),
    ("get", "/app/assets/", ROLES),
    ("get", "/app/accounts/", ROLES),
    ("get", "/app/team/", ROLES),
    ("get", "/app/team/settings", ROLES),
    ("get", "/app/team/webhooks", ROLES),
    ("get", "/app/compose/", ["admin", "manager", "editor"]),
    ("post", "/app/compose/", ["admin", "manager", "editor"]),
    ("get", "/app/compose/boards", ["admin", "manager", "editor"]),
    ("post", "/app/compose/upload", ["admin", "manager", "editor"]),
    ("get", "/app/compose/assets", ["admin", "manager", "editor"]),
    ("get", "/app/compose/cover", ["admin", "manager", "editor"]),
    ("post", "/app/compose/cover/frame", ["admin", "manager", "editor"]),
    ("post", "/app/compose/cover/upload", ["admin", "manager", "editor"]),
    ("post", "/app/assets/upload", ["admin", "manager", "editor"]),
    ("get", "/app/pins/imports/", ["admin", "manager", "editor"]),
    ("post", "/app/pins/imports/", ["admin", "manager", "editor"]),
    ("get", "/app/pins/imports/example.csv", ["admin", "manager", "editor"]),
    ("get", "/app/pins/{pin}/edit", ["admin", "manager", "editor"]),
    ("post", "/app/pins/{pin}/edit", ["admin", "manager", "editor"]),
    ("get", "/app/calendar/schedules/{schedule}/reschedule", ["admin", "manager", "editor"]),
    ("post", "/app/calendar/schedules/{schedule}/reschedule", ["admin", "manager", "editor"]),
    ("post", "/app/calendar/reschedule", ["admin", "manager", "editor"]),
    ("post", "/app/pins/{pin}/retry", ["admin", "manager"]),
    ("get", "/app/pins/{pin}/delete", ["admin", "manager"]),
    ("post", "/app/pins/{pin}/delete", ["admin", "manager"]),
    ("post", "/app/approvals/{pin}/approve", ["admin", "manager"]),
    ("post", "/app/approvals/{pin}/reject", ["admin", "manager"]),
    ("post", "/app/approvals/bulk-approve", ["admin", "manager"]),
    ("post", "/app/pins/bulk", ["admin", "manager"]),
    ("get", "/app/team/audit", ["admin"]),
    ("get", "/app/settings/", ["admin"]),
    ("post", "/app/settings/time-zone", ["admin"]),
    ("post", "/app/settings/accounts/{account}/slots", ["admin"]),
    ("post", "/app/team/settings", ["admin"]),
    ("post", "/app/team/members/{membership}/role", ["admin"]),
    ("post", "/app/team/members/{membership}/remove", ["admin"]),
    ("post", "/app/team/invitations", ["admin"]),
    ("post", "/app/team/invitations/{invitation}/resend", ["admin"]),
    ("post", "/app/team/invitations/{invitation}/revoke", ["admin"]),
    ("post", "/app/team/webhooks/create", ["admin"]),
    ("post", "/app/team/webhooks/{webhook}/toggle", ["admin"]),
    ("post", "/app/team/webhooks/{webhook}/delete", ["admin"]),
    ("post", "/app/accounts/connect", ["admin"]),
    ("get", "/app/accounts/oauth/callback", ["admin"]),
    ("post", "/app/accounts/{account}/disconnect", ["admin"]),
    ("post", "/app/accounts/{account}/boards/refresh", ["admin"]),
    ("post", "/app/accounts/{account}/boards/create", ["admin"]),
    ("post", "/app/accounts/{account}/boards/1/edit", ["admin"]),
    ("post", "/app/accounts/{account}/boards/1/delete", ["admin"]),
    ("get", "/app/api-keys/", ["admin"]),
    ("post", "/app/api-keys/create", ["admin"]),
    ("get", "/app/api-keys/{key}/edit", ["admin"]),
    ("post", "/app/api-keys/{key}/rotate", ["admin"]),
    ("post", "/app/api-keys/{key}/revoke", ["admin"]),
]
OBJECT_ENDPOINTS = [endpoint for endpoint in ENDPOINTS if "{" in endpoint[1]]


@pytest.mark.parametrize(("method", "url", "allowed"), [e for e in ENDPOINTS if e[2] != ROLES])
def test_members_without_the_permission_get_403(cast, client, objects, method, url, allowed):
    for role in set(ROLES) - set(allowed):
        client.force_login(cast.by_role(role))
        response = getattr(client, method)(url.format(**objects))
        assert response.status_code == 403, (role, url)


@pytest.mark.parametrize(("method", "url", "allowed"), OBJECT_ENDPOINTS)
def test_outsiders_get_404_for_another_teams_objects(cast, client, objects, method, url, allowed):
    client.force_login(cast.outsider)  # an admin of their own team: every permission, wrong team
    response = getattr(client, method)(url.format(**objects))
    assert response.status_code == 404, url


@pytest.mark.parametrize(("method", "url", "allowed"), ENDPOINTS)
def test_anonymous_visitors_are_sent_to_log_in(db, client, method, url, allowed):
    placeholders = dict.fromkeys(["pin", "schedule", "key", "webhook", "invitation", "membership", "account"],
                                 "00000000-0000-0000-0000-000000000000")
    response = getattr(client, method)(url.format(**placeholders))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_a_forced_post_by_a_viewer_changes_nothing(cast, client, objects):
    client.force_login(cast.viewer)
    client.post(f"/app/api-keys/{objects['key']}/revoke")
    client.post(f"/app/team/invitations/{objects['invitation']}/revoke")
    client.post(f"/app/team/webhooks/{objects['webhook']}/delete")
    assert ApiKey.objects.get(public_id=objects["key"]).revoked_at is None
    assert Invitation.objects.get(public_id=objects["invitation"]).revoked_at is None
    assert Webhook.objects.filter(public_id=objects["webhook"]).exists()
    assert Schedule.objects.filter(public_id=objects["schedule"]).exists()


@pytest.mark.parametrize("url", ["/app/", "/app/pins/", "/app/pins/{pin}/", "/app/calendar/", "/app/approvals/",
                                 "/app/assets/", "/app/accounts/", "/app/team/", "/app/team/settings",
                                 "/app/team/webhooks"])
def test_a_viewer_sees_no_controls_that_change_anything(cast, client, objects, url):
    client.force_login(cast.viewer)
    html = client.get(url.format(**objects)).content.decode()
    main = html.split('<main id="main"')[1]
    assert "hx-post" not in main and 'method="post"' not in main
    assert 'href="/app/compose/"' not in main


def test_an_editor_sees_compose_but_no_approval_or_admin_controls(cast, client, objects):
    client.force_login(cast.editor)
    assert 'href="/app/compose/"' in client.get("/app/pins/").content.decode()
    approvals = client.get("/app/approvals/").content.decode()
    assert "Approve the ticked pins" not in approvals and "Reject" not in approvals
    assert client.get("/app/api-keys/").status_code == 403
