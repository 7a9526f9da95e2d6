"""Asking for a password reset takes the same path for every address: the request queues a job
and answers; the job looks the address up and emails a token, or does nothing. So the answer, and
the work done before it, do not depend on whether an account exists."""

import pytest
from django.core import mail
from pinbridge_sdk.models import ForgotPasswordRequest

from publishing.tasks import send_password_reset
from tests.pipeline_fixtures import queued_jobs, run_queued

pytestmark = pytest.mark.django_db(transaction=True)

TASK = "publishing.tasks.send_password_reset"


def run_queued_resets() -> int:
    return run_queued(TASK)


def test_a_known_address_gets_its_email_from_the_queue_not_the_request(sdk, cast):
    answer = sdk().auth.forgot_password(ForgotPasswordRequest(email=cast.viewer.email))
    assert mail.outbox == []  # nothing sent while answering
    assert [args for args, _ in queued_jobs(TASK)] == [(cast.viewer.email,)]
    assert run_queued_resets() == 1
    [email] = mail.outbox
    assert email.to == [cast.viewer.email] and "reset" in email.subject.lower()
    assert answer.message


def test_an_unknown_address_takes_the_same_path_and_gets_nothing(sdk, cast):
    known = sdk().auth.forgot_password(ForgotPasswordRequest(email=cast.viewer.email))
    unknown = sdk().auth.forgot_password(ForgotPasswordRequest(email="nobody@acme.test"))
    assert known == unknown
    assert [args for args, _ in queued_jobs(TASK)] == [(cast.viewer.email,), ("nobody@acme.test",)]
    mail.outbox.clear()
    send_password_reset("nobody@acme.test")
    assert mail.outbox == []
