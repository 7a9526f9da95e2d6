"""An invitation's email goes out from a worker: the admin's request never talks to the mail server
(a slow or failing one neither holds it up nor fails it), and the job is safe to run twice or after a
resend: one invitation, one working token, in one email."""

import re

import pytest
from django.core import mail

from publishing.access import Actor
from publishing.models import Invitation, Workspace
from publishing.services.errors import NotFound
from publishing.services.teams import (
    INVITATION_EMAIL_TASK,
    invitation_accept,
    invitation_create,
    invitation_resend,
    invitation_revoke,
)
from tests.pipeline_fixtures import queued_jobs, run_queued
from tests.ports import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin(cast):
    return Actor.for_user(cast.admin, Workspace.objects.for_team(cast.team).first())


def mail_server_down(settings) -> None:
    """Django's SMTP backend, sent to a local port nothing listens on: every send is refused."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False


def emailed_tokens() -> list[str]:
    return [re.search(r"^([A-Za-z0-9_-]{40,})$", message.body, re.MULTILINE).group(1) for message in mail.outbox]


def test_the_request_queues_the_email_and_the_worker_sends_it(admin, settings):
    # A mail server that refuses every connection: the invitation is still made, and nothing fails.
    mail_server_down(settings)
    invitation = invitation_create(actor=admin, email="nina@acme.test", role="editor")
    assert [args for args, _ in queued_jobs(INVITATION_EMAIL_TASK)] == [(invitation.pk, invitation.token_hash)]
    assert Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run_queued(INVITATION_EMAIL_TASK) == 1
    [token] = emailed_tokens()
    membership, _user = invitation_accept(token=token)
    assert membership.role == "editor"


def test_a_job_run_twice_or_overtaken_by_a_resend_sends_one_working_token(admin):
    invitation = invitation_create(actor=admin, email="omar@acme.test", role="viewer")
    invitation_resend(invitation=invitation, actor=admin)
    assert run_queued(INVITATION_EMAIL_TASK) == 2  # the first job finds its placeholder replaced
    assert run_queued(INVITATION_EMAIL_TASK) == 2  # and neither sends again
    [token] = emailed_tokens()
    assert invitation_accept(token=token)[0].role == "viewer"


def test_a_refused_email_keeps_the_placeholder_and_is_tried_again_later_then_given_up(admin, settings):
    from publishing.tasks import send_invitation

    settings.NOTIFICATION_EMAIL_MAX_ATTEMPTS = 2
    invitation = invitation_create(actor=admin, email="tia@acme.test", role="viewer")
    placeholder = invitation.token_hash
    mail_server_down(settings)
    assert send_invitation(invitation.pk, placeholder) == "retrying"
    invitation.refresh_from_db()
    assert invitation.token_hash == placeholder  # the token the refused email held was rolled back
    retry = [(args, run_after) for args, run_after in queued_jobs(INVITATION_EMAIL_TASK) if len(args) == 3]
    assert [args for args, _ in retry] == [(invitation.pk, placeholder, 2)] and retry[0][1] is not None
    assert send_invitation(invitation.pk, placeholder, 2) == "failed"  # the last attempt: logged, not queued again
    assert len(queued_jobs(INVITATION_EMAIL_TASK)) == 2

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_invitation(invitation.pk, placeholder, 2) == "sent"  # the mail server is back: the retry sends
    [token] = emailed_tokens()
    assert invitation_accept(token=token)[0].role == "viewer"


def test_a_revoked_invitation_is_not_sent(admin):
    invitation = invitation_create(actor=admin, email="rita@acme.test", role="viewer")
    invitation_revoke(invitation=invitation, actor=admin)
    run_queued(INVITATION_EMAIL_TASK)
    assert mail.outbox == []


def test_the_placeholder_token_left_by_the_request_is_no_token(admin):
    invitation = invitation_create(actor=admin, email="sam@acme.test", role="viewer")
    with pytest.raises(NotFound):
        invitation_accept(token=invitation.token_hash)  # the hash is all there is, and it is not a token

