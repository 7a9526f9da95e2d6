"""The dashboard's pins search (titles and descriptions) is a plain case-insensitive substring
match, whatever indexes the database has behind it."""

from urllib.parse import urlencode

import pytest

from tests.pin_search_cases import SEARCH_TERMS, expected_matches, search_corpus_create
from tests.web.helpers import row_ids


@pytest.mark.parametrize("term", SEARCH_TERMS)
def test_dashboard_search_matches_title_or_description_substrings(cast, login, workspace, offline_account,
                                                                  offline_board, term):
    pins = search_corpus_create(workspace, offline_account, offline_board)
    response = login(cast.viewer).get("/app/pins/?" + urlencode({"q": term}))
    assert response.status_code == 200
    assert set(row_ids(response.content.decode())) == expected_matches(pins, term, fields=2)
