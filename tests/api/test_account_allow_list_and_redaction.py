"""What a caller may read of webhooks, the audit trail and imports.

- A webhook's URL often carries the receiver's credentials (``user:pass@``, ``?token=``, a token
  in the path): only callers who may manage integrations read it whole; everyone else gets the
  redacted form the dashboard shows.
- A key limited to some Pinterest accounts is bounded by that list everywhere: it reads only its
  accounts' activity, only its own imports, and manages no webhook (a webhook gets the events of
  every account).
"""

import pytest
from pinbridge_sdk.errors import AuthenticationError

from publishing.access import Actor
from publishing.models import Board, PinterestAccount, Webhook
from publishing.services.imports import pin_import_create
from publishing.services.pins import pin_create, pin_edit
from tests import pipeline_fixtures

pytestmark = pytest.mark.django_db(transaction=True)

offline_account = pipeline_fixtures.offline_account

SECRET_URL = "https://robot:hunter2@hooks.example.com/services/T0AB12CD/B0XY9876/Zq8sXk2LpQ4vT7wN?token=tok-s3cret"
REDACTED = "https://hooks.example.com/services/…/…/……"


@pytest.fixture
def credentialed_webhook(workspace):
    return Webhook.objects.create(workspace=workspace, url=SECRET_URL, secret="s" * 32, events=["pin.published"])


def test_viewers_editors_and_read_only_keys_read_the_redacted_url(login, keyed, cast, credentialed_webhook):
    for client in (login(cast.viewer), login(cast.editor), keyed(scopes=["read"])):
        [listed] = client.webhooks.list()
        assert str(listed.url) == REDACTED
        assert str(client.webhooks.get(credentialed_webhook.public_id).url) == REDACTED


def test_admins_and_write_keys_read_the_whole_url(login, keyed, cast, credentialed_webhook):
    for client in (login(cast.admin), keyed(scopes=["read", "write"])):
        [listed] = client.webhooks.list()
        assert str(listed.url) == SECRET_URL


@pytest.fixture
def second_account(workspace, cast) -> PinterestAccount:
    return PinterestAccount.objects.create(workspace=workspace, pinterest_user_id="1000000000000000002",
                                           username="acme_second", access_token="pina_second", connected_by=cast.admin)


def _pin(workspace, cast, account, title):
    board, _ = Board.objects.get_or_create(account=account, pinterest_board_id="900000000000000001",
                                           defaults={"name": "Chairs"})
    pin = pin_create(actor=Actor.for_user(cast.manager, workspace), source="api",
                     data={"account_id": str(account.public_id), "board_id": board.pinterest_board_id, "title": title,
                           "image_url": "https://images.example.com/a.jpg", "idempotency_key": title})
    return pin_edit(pin=pin, actor=Actor.for_user(cast.manager, pin.workspace), data={"title": f"{title} (renamed)"})


def test_a_key_limited_to_one_account_reads_only_that_accounts_activity(
        workspace, cast, keyed, offline_account, second_account):
    mine = _pin(workspace, cast, offline_account, "Oak chair")
    theirs = _pin(workspace, cast, second_account, "Secret launch")
    restricted = keyed(scopes=["read"], accounts=[offline_account])

    page = restricted.activity_logs.list(limit=200)
    resources = {item.resource_id for item in page.items}
    assert str(mine.public_id) in resources
    assert str(theirs.public_id) not in resources
    assert "Secret launch" not in repr(page) and "Oak chair" in repr(page)
    # Without the allow-list, everything is there (the test would pass vacuously otherwise).
    everything = keyed(scopes=["read"]).activity_logs.list(limit=200)
    assert str(theirs.public_id) in {item.resource_id for item in everything.items}


def test_a_key_limited_to_some_accounts_cannot_manage_webhooks(keyed, offline_account, credentialed_webhook):
    restricted = keyed(scopes=["read", "write", "destructive"], accounts=[offline_account])
    with pytest.raises(AuthenticationError) as refused:
        restricted.webhooks.create({"url": "https://hooks.example.com/in", "secret": "s" * 32})
    assert (refused.value.status_code, refused.value.code) == (403, "account_restricted_key")
    with pytest.raises(AuthenticationError):
        restricted.webhooks.delete(credentialed_webhook.public_id)
    assert Webhook.objects.count() == 1
    assert str(restricted.webhooks.get(credentialed_webhook.public_id).url) == REDACTED


def test_a_key_limited_to_some_accounts_reads_only_its_own_imports(workspace, cast, keyed, offline_account):
    others = pin_import_create(actor=Actor.for_user(cast.manager, workspace), source_type="json",
                               rows=[{"title": "Secret launch", "idempotency_key": "x"}])
    restricted = keyed(scopes=["read", "write"], accounts=[offline_account])
    own = restricted.pins.import_json([{"title": "Oak chair", "idempotency_key": "y"}])

    assert [str(job.id) for job in restricted.pins.list_imports()] == [str(own.id)]
    with pytest.raises(Exception) as hidden:
        restricted.pins.get_import(others.public_id)
    assert getattr(hidden.value, "status_code", None) == 404
    assert {str(job.id) for job in keyed(scopes=["read"]).pins.list_imports()} == {str(own.id),
                                                                                  str(others.public_id)}
