"""The dashboard's pins search (titles, descriptions and links) is a plain case-insensitive substring
match, whatever indexes the database has behind it, and finds exactly what /v1/pins' ``q`` finds."""

from urllib.parse import urlencode

import pytest
from django.test import Client

from publishing.access import Actor
from publishing.services.keys import api_key_create
from tests.pin_search_cases import SEARCH_TERMS, expected_matches, search_corpus_create
from tests.web.helpers import row_ids


@pytest.mark.parametrize("term", SEARCH_TERMS)
def test_dashboard_search_matches_title_description_or_link_substrings(cast, login, workspace, offline_account,
                                                                       offline_board, term):
    pins = search_corpus_create(workspace, offline_account, offline_board)
    response = login(cast.viewer).get("/app/pins/?" + urlencode({"q": term}))
    assert response.status_code == 200
    assert set(row_ids(response.content.decode())) == expected_matches(pins, term, fields=3)


def test_dashboard_and_api_find_the_same_pins_for_the_same_q(cast, login, workspace, offline_account,
                                                              offline_board):
    search_corpus_create(workspace, offline_account, offline_board)
    dashboard = login(cast.viewer)
    api, key = Client(), api_key_create(actor=Actor.system(workspace, job="test"), name="search",
                                        scopes=["read"]).plaintext
    for term in SEARCH_TERMS:
        page = dashboard.get("/app/pins/?" + urlencode({"q": term}))
        listed = api.get("/v1/pins?" + urlencode({"q": term, "limit": 100}), HTTP_X_API_KEY=key)
        assert page.status_code == listed.status_code == 200
        assert set(row_ids(page.content.decode())) == {pin["id"] for pin in listed.json()}, term
