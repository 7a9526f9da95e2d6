"""``q`` on /v1/pins (title, description or link) is a plain case-insensitive substring match,
whatever indexes the database has behind it."""

import pytest

from tests.pin_search_cases import SEARCH_TERMS, expected_matches, search_corpus_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_api_search_matches_title_description_or_link_substrings(keyed, workspace, account, board):
    pins = search_corpus_create(workspace, account, board)
    client = keyed(scopes=["read"])
    for term in SEARCH_TERMS:
        found = {str(pin.id) for pin in client.pins.list(q=term)}
        assert found == expected_matches(pins, term, fields=3), term
