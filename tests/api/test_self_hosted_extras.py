"""The SDK's peripheral endpoints as a self-hosted server answers them: activity logs from the
audit trail, unlimited billing, MCP quota, and clear ``not_available`` errors for the rest."""

from datetime import timedelta

import pytest
from pinbridge_sdk.errors import NotFoundError
from pinbridge_sdk.models import (
    ActivityLogStatus,
    APIKeyCreate,
    CheckoutRequest,
    PrimaryEmailChangeRequest,
)

from publishing.services.analytics_collection import pinterest_today
from tests.services.analytics import conftest as analytics_fixtures

pytestmark = pytest.mark.django_db(transaction=True)
noon = analytics_fixtures.noon


def test_activity_logs_page_through_the_audit_trail_with_a_cursor(login, cast):
    admin = login(cast.admin)
    for n in range(3):
        admin.api_keys.create(APIKeyCreate(name=f"key {n}"))
    first = admin.activity_logs.list(limit=2)
    assert len(first.items) == 2 and first.next_cursor
    second = admin.activity_logs.list(limit=2, cursor=first.next_cursor)
    assert {i.id for i in first.items}.isdisjoint({i.id for i in second.items})
    keys = admin.activity_logs.list(action="api_key.created", limit=10)
    assert len(keys.items) == 3 and all(i.category.value == "security" and i.actor_type.value == "user"
                                        for i in keys.items)
    assert keys.items[0].actor_user_id == cast.admin.public_id



def test_the_status_filter_pages_over_every_matching_event_not_only_the_newest_page(login, cast):
    admin = login(cast.admin)
    revoked = admin.api_keys.create(APIKeyCreate(name="old"))
    admin.api_keys.revoke(revoked.id)
    for n in range(4):  # newer events that do not match the filter
        admin.api_keys.create(APIKeyCreate(name=f"key {n}"))
    canceled = admin.activity_logs.list(status=ActivityLogStatus.CANCELED, limit=2)
    assert [(i.action, i.status) for i in canceled.items] == [("api_key.revoked", "canceled")]
    assert canceled.next_cursor is None
    succeeded = admin.activity_logs.list(status=ActivityLogStatus.SUCCESS, limit=2)
    assert len(succeeded.items) == 2 and succeeded.next_cursor
    rest = admin.activity_logs.list(status=ActivityLogStatus.SUCCESS, limit=50, cursor=succeeded.next_cursor)
    every_success = succeeded.items + rest.items
    assert all(i.status == "success" for i in every_success)
    assert [i.action for i in every_success].count("api_key.created") == 5
    assert admin.activity_logs.list(status=ActivityLogStatus.QUEUED).items == []

def test_billing_says_self_hosted_and_unlimited(client):
    status = client.billing.status()
    assert status.plan.value == "enterprise" and status.billing_status.value == "active" and status.bulk_imports
    assert client.billing.pricing().plans[0].monthly_price.unit_amount == 0
    with pytest.raises(NotFoundError) as checkout:
        client.billing.checkout(CheckoutRequest(plan="pro"))
    assert checkout.value.code == "not_available"
    with pytest.raises(NotFoundError):
        client.billing.portal()


def test_mcp_quota_is_unlimited(client):
    quota = client.mcp.quota()
    assert quota.requests_limit == 0 and not quota.quota_exhausted
    assert client.mcp.track().week == quota.week


def test_what_has_no_meaning_here_is_a_clear_not_available(client, account, login, cast):
    user = login(cast.admin)
    # Email preferences are served now (tests/api/test_email_preferences.py); unsubscribing is not.
    for call in (lambda: client.email.unsubscribe(workspace_id=account.workspace.public_id, token="t" * 30,
                                                  user_id=cast.admin.public_id),
                 lambda: user.auth.request_email_change(PrimaryEmailChangeRequest(new_email="alice@new.test")),
                 lambda: user.auth.confirm_email_change("t" * 30),
                 lambda: client.pinterest.list_related_terms(account.public_id, ["chairs"]),
                 lambda: client.system.stripe_webhook(b"{}", stripe_signature="t=1,v1=x")):
        with pytest.raises(NotFoundError) as unavailable:
            call()
        assert unavailable.value.code == "not_available" and unavailable.value.message


def test_account_analytics_in_a_sandbox_are_the_sandbox_figures(noon, client, account):
    today = pinterest_today()
    analytics = client.pinterest.account_analytics(account.public_id, start_date=today - timedelta(days=1),
                                                   end_date=today)
    assert analytics.provider_mode.value == "simulated" and analytics.source == "live"  # nothing stored yet
    assert len(analytics.daily) == 2 and all(value is not None for value in analytics.totals.values())
