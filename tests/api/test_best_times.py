"""/v1/pinterest/accounts/{id}/slots/suggestions (Pinboard extension) over HTTP: the seeded pattern's
planted hour with its evidence, "not enough data" for a new account, applying (managers and admins; twice adds
nothing), who may do what, a key limited to other accounts, another team's account (404), a bad
metric as a 422 naming it (run on PostgreSQL too)."""

import pytest
import time_machine

from publishing.access import Actor
from publishing.models import PinterestAccount, PostingSlot
from publishing.services.keys import api_key_create
from tests import pipeline_fixtures
from tests.api.conftest import http
from tests.api.test_approvals import bearer, key_headers
from tests.best_times_seed import NOW, seed_pattern

pytestmark = pytest.mark.django_db(transaction=True)


offline_account = pipeline_fixtures.offline_account  # an account row that never reaches Pinterest


@pytest.fixture
def seeded_clock():
    with time_machine.travel(NOW["winter"], tick=True) as traveller:
        yield traveller


def test_suggestions_read_and_applied_over_http(server, cast, workspace, offline_account, seeded_clock):
    seed_pattern(offline_account)
    path = f"/v1/pinterest/accounts/{offline_account.public_id}/slots/suggestions"
    read = http(server, "GET", path, headers=bearer(server, cast.viewer))
    assert read.status_code == 200, read.text
    body = read.json()
    assert (body["enough_data"], body["missing"], body["pins_counted"], body["account_average"]) == (
        True, None, 36, 13.89)
    assert body["suggestions"] == [{"weekday": 1, "weekday_name": "Tuesday", "time": "19:00", "pins": 6,
                                    "average": 22.68, "lift": 1.63, "already_a_slot": False,
                                    "evidence": "Tue 19:00: 1.6× the average saves over 8 weeks (6 pins)"}]
    for who in (bearer(server, cast.editor), bearer(server, cast.viewer), key_headers(workspace, ["read"])):
        refused = http(server, "POST", f"{path}/apply", headers=who)
        assert refused.status_code == 403, refused.text
    assert not PostingSlot.objects.exists()
    admin = bearer(server, cast.manager)  # managers apply them
    applied = http(server, "POST", f"{path}/apply", json={"metric": "save"}, headers=admin)
    assert applied.status_code == 200, applied.text
    assert [slot["time"] for slot in applied.json()["added"]] == ["19:00"]
    again = http(server, "POST", f"{path}/apply", headers=admin).json()
    assert again["added"] == [] and [s["time"] for s in again["already_there"]] == ["19:00"]
    assert len(again["slots"]) == 1 and PostingSlot.objects.count() == 1
    bad = http(server, "GET", f"{path}?metric=likes", headers=admin)
    assert bad.status_code == 422 and "metric" in bad.text


def test_a_new_account_has_not_enough_data(server, cast, workspace, offline_account, seeded_clock):
    path = f"/v1/pinterest/accounts/{offline_account.public_id}/slots/suggestions"
    body = http(server, "GET", path, headers=key_headers(workspace, ["read"])).json()
    assert (body["enough_data"], body["suggestions"], body["account_average"]) == (False, [], None)
    assert body["missing"] == "0 of 20 pins with 7 days of figures in the last 8 weeks."
    refused = http(server, "POST", f"{path}/apply", headers=bearer(server, cast.admin))
    assert (refused.status_code, refused.json()["detail"]["code"]) == (409, "not_enough_data")


def test_other_accounts_keys_and_teams_are_refused(server, cast, workspace, offline_account, seeded_clock):
    other = PinterestAccount.objects.create(workspace=workspace, pinterest_user_id="77", username="other")
    limited = api_key_create(actor=Actor.system(workspace, job="test"), name="limited", scopes=["read", "write"],
                             accounts=[other])
    path = f"/v1/pinterest/accounts/{offline_account.public_id}/slots/suggestions"
    refused = http(server, "GET", path, headers={"X-API-Key": limited.plaintext})
    assert (refused.status_code, refused.json()["detail"]["code"]) == (403, "account_not_permitted")
    outsider = bearer(server, cast.outsider)
    assert http(server, "GET", path, headers=outsider).status_code == 404
    assert http(server, "POST", f"{path}/apply", headers=outsider).status_code == 404
