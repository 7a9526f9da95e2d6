"""Revoking a review link while its guest decides (issue 13): once the manager's revoke has
committed, no decision through the link may land after it. PostgreSQL only: the decision must
really wait on the revoke's row lock; the revoke commits only once the database reports it waiting."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from publishing.access import Actor
from publishing.models import ApprovalDecision, ApprovalState, Pin, ReviewLink
from publishing.services.pins import pin_create
from publishing.services.review_links import (
    ReviewLinkClosed,
    review_link_create,
    review_link_decide,
    review_link_revoke,
)
from tests.pipeline_fixtures import pin_payload

pytestmark = pytest.mark.django_db(transaction=True)


def _someone_waits_on_a_lock() -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype IN ('transactionid', 'tuple')")
        return cursor.fetchone()[0] > 0


def test_a_decision_racing_the_revoke_is_refused_once_the_revoke_commits(workspace, cast, offline_account,
                                                                          offline_board):
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks that block (PostgreSQL); SQLite serialises every writer anyway")
    pin = pin_create(actor=Actor.for_user(cast.editor, workspace), source="dashboard",
                     data=pin_payload(offline_account, offline_board))
    manager = Actor.for_user(cast.manager, workspace)
    issued = review_link_create(actor=manager, pin_ids=[pin.public_id])
    revoked, release, failures = threading.Event(), threading.Event(), []

    def revoke_and_hold_the_transaction_open():
        try:
            with transaction.atomic():
                review_link_revoke(actor=manager, link=ReviewLink.objects.get(pk=issued.link.pk))
                revoked.set()
                release.wait(timeout=20)
        except Exception as error:  # reported by the assertion below
            failures.append(error)
        finally:
            connection.close()

    def release_once_the_decision_waits():
        try:
            deadline = time.monotonic() + 10
            while not _someone_waits_on_a_lock() and time.monotonic() < deadline:
                time.sleep(0.02)  # polling the database, not a proof: the proof is the lock it reports
        finally:
            release.set()
            connections["default"].close()

    other = threading.Thread(target=revoke_and_hold_the_transaction_open)
    other.start()
    assert revoked.wait(timeout=20)
    watcher = threading.Thread(target=release_once_the_decision_waits)
    watcher.start()
    try:
        with pytest.raises(ReviewLinkClosed):
            review_link_decide(token=issued.token, item_id=str(pin.public_id), kind="pin", decision="approve",
                               guest_name="Clara Client")
    finally:
        release.set()
        other.join(timeout=20)
        watcher.join(timeout=20)
    assert not failures
    assert Pin.objects.get(pk=pin.pk).approval_state == ApprovalState.PENDING
    assert not ApprovalDecision.objects.exists()
