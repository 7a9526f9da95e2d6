"""The "Suggested times" panel (publishing/views/best_times.py): the evidence of the seeded pattern on
the account's page and in the workspace settings' posting slots; "not enough data" for a new account;
Apply for managers and admins (htmx swaps the panel, a plain post comes back with a message; twice adds nothing;
the CSRF token is checked); editors and viewers see the suggestions without a button, and a post of
theirs is a 403; another team's account is a 404."""

import pytest
import time_machine
from django.test import Client

from publishing.models import PostingSlot
from tests.best_times_seed import NOW, seed_pattern

EVIDENCE = "Tue 19:00: 1.6× the average saves over 8 weeks (6 pins)"


@pytest.fixture
def frozen_clock():
    with time_machine.travel(NOW["winter"], tick=False) as traveller:
        yield traveller


def test_a_new_account_says_not_enough_data(cast, login, offline_account, frozen_clock):
    page = login(cast.viewer).get(f"/app/accounts/{offline_account.public_id}/best-times")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Not enough data yet:</strong> 0 of 20 pins with 7 days of figures in the last 8 weeks." in html
    assert "Apply the suggested times" not in html


def test_editors_and_viewers_see_the_evidence_without_a_button(cast, login, offline_account, frozen_clock):
    seed_pattern(offline_account)
    manager_html = login(cast.manager).get(f"/app/accounts/{offline_account.public_id}/best-times").content.decode()
    assert "Apply the suggested times" in manager_html, "a manager applies them"
    for role in ("editor", "viewer"):
        client = login(cast.by_role(role))
        html = client.get(f"/app/accounts/{offline_account.public_id}/best-times").content.decode()
        assert EVIDENCE in html and "Apply the suggested times" not in html, role
        assert "A manager can add these" in html
        refused = client.post(f"/app/accounts/{offline_account.public_id}/best-times/apply")
        assert refused.status_code == 403, role
    assert not PostingSlot.objects.exists()
    assert login(cast.outsider).get(f"/app/accounts/{offline_account.public_id}/best-times").status_code == 404


def test_an_admin_applies_them_from_the_settings_page_with_and_without_htmx(cast, login, offline_account,
                                                                           frozen_clock):
    seed_pattern(offline_account)
    PostingSlot.objects.create(account=offline_account, weekday=0, local_time="08:00")
    client = login(cast.admin)
    settings_page = client.get("/app/settings/").content.decode()
    assert EVIDENCE in settings_page and "Apply the suggested times" in settings_page
    assert 'name="back" value="settings"' in settings_page
    url = f"/app/accounts/{offline_account.public_id}/best-times/apply"
    swapped = client.post(url, {"back": "settings"}, HTTP_HX_REQUEST="true")
    assert swapped.status_code == 200
    panel = swapped.content.decode()
    assert panel.startswith('<section class="card best-times"') and "<html" not in panel
    assert "Added 1 posting slot: Tue 19:00. The account&#x27;s other slots are kept." in panel
    assert "already a slot" in panel
    again = client.post(url, {"back": "page"}, follow=True)
    assert again.redirect_chain[-1][0] == f"/app/accounts/{offline_account.public_id}/best-times"
    assert "Already a slot: Tue 19:00." in again.content.decode()
    assert sorted(PostingSlot.objects.values_list("weekday", "local_time__hour")) == [(0, 8), (1, 19)]


def test_apply_without_enough_data_is_an_inline_message(cast, login, offline_account, frozen_clock):
    answer = login(cast.admin).post(f"/app/accounts/{offline_account.public_id}/best-times/apply",
                                    HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    assert 'role="alert">Not enough data yet: 0 of 20 pins' in answer.content.decode()
    assert not PostingSlot.objects.exists()


def test_apply_checks_the_csrf_token(cast, offline_account, frozen_clock):
    seed_pattern(offline_account)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.admin)
    url = f"/app/accounts/{offline_account.public_id}/best-times/apply"
    assert browser.post(url).status_code == 403
    assert not PostingSlot.objects.exists()
    page = browser.get(f"/app/accounts/{offline_account.public_id}/best-times")
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert browser.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert PostingSlot.objects.count() == 1
