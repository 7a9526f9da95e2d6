"""The dashboard's password-reset page answers alike for every address and only queues the mail;
the queued job (the same one /v1/auth/forgot-password uses) looks the address up and sends."""

import pytest
from django.core import mail

from publishing.services.auth import PASSWORD_RESET_TASK
from publishing.tasks import send_password_reset
from tests.pipeline_fixtures import queued_jobs

pytestmark = pytest.mark.django_db(transaction=True)  # the job is queued when the request commits


def test_the_reset_page_queues_the_mail_for_known_and_unknown_addresses_alike(cast, client):
    known = client.post("/accounts/password_reset/", {"email": cast.editor.email})
    unknown = client.post("/accounts/password_reset/", {"email": "nobody@acme.test"})

    assert (
        (known.status_code, known.url) == (unknown.status_code, unknown.url) == (302, "/accounts/password_reset/done/")
    )
    assert mail.outbox == []  # nothing sent (nor looked up) inside the request
    assert [args for args, _ in queued_jobs(PASSWORD_RESET_TASK)] == [(cast.editor.email,), ("nobody@acme.test",)]

    assert send_password_reset(cast.editor.email) and not send_password_reset("nobody@acme.test")
    assert [message.to for message in mail.outbox] == [[cast.editor.email]]
    assert "/accounts/reset/" in mail.outbox[0].body
