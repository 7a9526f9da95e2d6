"""Revoking a review link while its guest decides (issue 13): once the manager's revoke has
committed, no decision through the link may land after it. PostgreSQL only: the decision must
really wait on the revoke's row lock; the revoke commits only once the database reports it waiting."""

import pytest

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
from tests.services.pins.lock_races import needs_postgresql, while_held

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_decision_racing_the_revoke_is_refused_once_the_revoke_commits(workspace, cast, offline_account,
                                                                          offline_board):
    needs_postgresql()
    pin = pin_create(actor=Actor.for_user(cast.editor, workspace), source="dashboard",
                     data=pin_payload(offline_account, offline_board))
    manager = Actor.for_user(cast.manager, workspace)
    issued = review_link_create(actor=manager, pin_ids=[pin.public_id])

    def decide():
        with pytest.raises(ReviewLinkClosed):
            review_link_decide(token=issued.token, item_id=str(pin.public_id), kind="pin", decision="approve",
                               guest_name="Clara Client")

    while_held(lambda: review_link_revoke(actor=manager, link=ReviewLink.objects.get(pk=issued.link.pk)), decide)
    assert Pin.objects.get(pk=pin.pk).approval_state == ApprovalState.PENDING
    assert not ApprovalDecision.objects.exists()
