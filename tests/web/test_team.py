"""Team and settings: members and roles, invitations, approval rules, webhooks, the audit log."""

import re

from django.core import mail
from django.db import connection

from publishing.access import Actor
from publishing.models import AuditEvent, Invitation, Membership, Webhook, Workspace
from publishing.services.teams import INVITATION_EMAIL_TASK, invitation_create
from tests.pipeline_fixtures import run_queued
from tests.web.helpers import queries_to_render


def test_every_member_sees_the_members_and_their_roles(cast, login):
    html = login(cast.viewer).get("/app/team/").content.decode()
    for user in (cast.admin, cast.manager, cast.editor, cast.viewer):
        assert user.email in html
    assert cast.outsider.email not in html


def test_an_admin_changes_a_role(cast, login):
    membership = Membership.objects.get(team=cast.team, user=cast.editor)
    response = login(cast.admin).post(f"/app/team/members/{membership.public_id}/role", {"role": "manager"},
                                      HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response.content.decode().strip().startswith('<div id="team-area">')
    membership.refresh_from_db()
    assert membership.role == "manager"
    assert AuditEvent.objects.filter(team=cast.team, action="member.role_changed").exists()


def test_the_audit_log_records_the_client_address_and_none_for_a_job(cast, login, settings):
    membership = Membership.objects.get(team=cast.team, user=cast.editor)
    client = login(cast.admin)
    client.post(f"/app/team/members/{membership.public_id}/role", {"role": "manager"}, REMOTE_ADDR="192.0.2.7")
    settings.TRUSTED_PROXY_COUNT = 1  # behind one proxy: the address it forwards, not what the client sent
    client.post(f"/app/team/members/{membership.public_id}/role", {"role": "viewer"}, REMOTE_ADDR="10.0.0.2",
                HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5")
    changes = AuditEvent.objects.filter(team=cast.team, action="member.role_changed").order_by("id")
    assert list(changes.values_list("ip_address", flat=True)) == ["192.0.2.7", "203.0.113.5"]
    # Outside a request (a job, the shell) there is no address to record.
    from publishing.services.teams import membership_set_role
    membership_set_role(team=cast.team, user=cast.editor, role="editor",
                        actor=Actor.for_user(cast.admin, Workspace.objects.filter(team=cast.team).first()))
    assert changes.last().ip_address is None


def test_the_last_admin_cannot_be_demoted_or_removed(cast, login):
    own = Membership.objects.get(team=cast.team, user=cast.admin)
    client = login(cast.admin)
    demoted = client.post(f"/app/team/members/{own.public_id}/role", {"role": "viewer"})
    assert demoted.status_code == 409 and "at least one admin" in demoted.content.decode()
    assert Membership.objects.get(pk=own.pk).role == "admin"


def test_an_unknown_role_is_refused(cast, login):
    membership = Membership.objects.get(team=cast.team, user=cast.editor)
    response = login(cast.admin).post(f"/app/team/members/{membership.public_id}/role", {"role": "owner"})
    assert response.status_code == 422 and Membership.objects.get(pk=membership.pk).role == "editor"


def test_an_admin_removes_a_member(cast, login):
    membership = Membership.objects.get(team=cast.team, user=cast.viewer)
    login(cast.admin).post(f"/app/team/members/{membership.public_id}/remove")
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_inviting_sends_an_email_that_joins_the_team(cast, login, client, django_capture_on_commit_callbacks,
                                                       django_user_model):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(cast.admin).post("/app/team/invitations", {"email": "nina@acme.test", "role": "editor"})
    assert "nina@acme.test" in response.content.decode() and "Pending" in response.content.decode()
    assert mail.outbox == []  # a worker sends it, not the request
    assert run_queued(INVITATION_EMAIL_TASK) == 1
    [message] = mail.outbox
    link = re.search(r"http\S+/app/invitations/accept\?token=\S+", message.body).group(0)
    path = link.split("127.0.0.1:8000", 1)[-1] if "127.0.0.1" in link else link[link.index("/app/"):]
    client.logout()
    page = client.get(path)
    assert "invited <strong>nina@acme.test</strong>" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post("/app/invitations/accept", {"token": path.split("token=")[1]})
    assert accepted.status_code == 302 and accepted.url == "/accounts/login/"
    nina = django_user_model.objects.get(email="nina@acme.test")
    assert Membership.objects.get(team=cast.team, user=nina).role == "editor"


def test_a_logged_in_user_accepts_with_their_own_account(cast, client, django_user_model):
    invitation_create(
        actor=Actor.for_user(cast.admin, Workspace.objects.for_team(cast.team).first()),
        email=cast.outsider.email,
        role="viewer",
    )
    token = "known-token"
    from publishing.services.secrets import credential_hash

    Invitation.objects.filter(email=cast.outsider.email).update(token_hash=credential_hash(token))
    client.force_login(cast.outsider)
    response = client.post("/app/invitations/accept", {"token": token})
    assert response.status_code == 302 and response.url == "/app/"
    assert Membership.objects.get(team=cast.team, user=cast.outsider).role == "viewer"


def test_a_bad_invitation_token_is_a_404_page(db, client):
    assert client.get("/app/invitations/accept?token=nope").status_code == 404
    assert client.get("/app/invitations/accept?token=%00").status_code == 404


def test_inviting_a_member_twice_is_explained_inline(cast, login):
    response = login(cast.admin).post("/app/team/invitations", {"email": cast.editor.email, "role": "editor"})
    assert response.status_code == 422 and "already a member" in response.content.decode()
    bad = login(cast.admin).post("/app/team/invitations", {"email": "not-an-email", "role": "editor"})
    assert bad.status_code == 422 and "Enter a valid email address" in bad.content.decode()


def test_resending_and_revoking_an_invitation(cast, login, django_capture_on_commit_callbacks):
    invitation = invitation_create(
        actor=Actor.for_user(cast.admin, Workspace.objects.for_team(cast.team).first()),
        email="omar@acme.test",
        role="viewer",
    )
    client = login(cast.admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/app/team/invitations/{invitation.public_id}/resend")
    assert run_queued(INVITATION_EMAIL_TASK) == 1
    assert len(mail.outbox) == 1
    client.post(f"/app/team/invitations/{invitation.public_id}/revoke")
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_an_admin_sets_the_approval_rules_and_others_read_them(cast, login):
    response = login(cast.admin).post("/app/team/settings", {"api_key_pins_need_approval": "on"})
    assert response.status_code == 302
    cast.team.refresh_from_db()
    assert (
        cast.team.editor_pins_need_approval,
        cast.team.api_key_pins_need_approval,
        cast.team.allow_self_approval,
    ) == (False, True, False)
    html = login(cast.editor).get("/app/team/settings").content.decode()
    assert "Only admins can change these rules" in html and "✓</span> On</span> Pins created with an API key" in html


def test_the_audit_log_filters_by_action_actor_and_date(cast, login):
    membership = Membership.objects.get(team=cast.team, user=cast.editor)
    client = login(cast.admin)
    client.post(f"/app/team/members/{membership.public_id}/role", {"role": "viewer"})
    html = client.get("/app/team/audit?action=member.role_changed").content.decode()
    assert (
        "<code>member.role_changed</code>" in html
        and cast.admin.email in html
        and "<code>member.added</code>" not in html
    )
    assert "No events match" in client.get("/app/team/audit?actor=nobody@").content.decode()
    assert "No events match" in client.get("/app/team/audit?date_from=2001-01-01&date_to=2001-01-02").content.decode()


def test_the_audit_log_pages_with_a_constant_number_of_queries(cast, login):
    client = login(cast.admin)
    few = queries_to_render(client, "/app/team/audit")
    membership = Membership.objects.get(team=cast.team, user=cast.editor)
    for role in ["viewer", "editor"] * 30:
        client.post(f"/app/team/members/{membership.public_id}/role", {"role": role})
    assert queries_to_render(client, "/app/team/audit") == few
    first_page = client.get("/app/team/audit").content.decode()
    assert "Older events" in first_page


def test_a_webhook_secret_is_shown_once_and_stored_encrypted(cast, login, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # no DNS here: the address check is the next test's
    client = login(cast.admin)
    response = client.post(
        "/app/team/webhooks/create",
        {"url": "https://hooks.example.com/pins", "events": ["pin.published"]},
        HTTP_HX_REQUEST="true",
    )
    secret = re.search(
        r'id="webhook-secret" class="secret" type="text" readonly value="([^"]+)"', response.content.decode()
    )[1]
    assert "no-store" in response["Cache-Control"]
    webhook = Webhook.objects.get()
    assert webhook.secret == secret and webhook.events == ["pin.published"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM publishing_webhook")
        assert secret not in cursor.fetchone()[0]
    assert secret not in client.get("/app/team/webhooks").content.decode()


def test_a_webhook_to_a_private_address_is_refused_inline(cast, login, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = login(cast.admin).post(
        "/app/team/webhooks/create", {"url": "http://127.0.0.1:9/hook", "events": ["pin.failed"]}
    )
    assert response.status_code == 422 and "private, loopback or link-local" in response.content.decode()


def test_pausing_and_deleting_a_webhook(cast, login, workspace, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    from publishing.services.webhooks import webhook_create

    webhook = webhook_create(
        actor=Actor.for_user(cast.admin, Workspace.objects.for_team(cast.team).first()),
        url="https://hooks.example.com/a",
        secret="s" * 32,
    )
    client = login(cast.admin)
    assert "Paused" in client.post(f"/app/team/webhooks/{webhook.public_id}/toggle").content.decode()
    client.post(f"/app/team/webhooks/{webhook.public_id}/delete")
    assert not Webhook.objects.exists()
