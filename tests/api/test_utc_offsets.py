"""A moment whose UTC offset PostgreSQL cannot store (it takes offsets below 16 hours; Python
takes up to 24) is bad input: a 422 naming the field on every list filter and the dashboard
summary, never a 500. Run this on PostgreSQL: SQLite never sees the offset."""

import pytest

from publishing.access import Actor
from publishing.services.keys import api_key_create
from tests.api.conftest import http

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def headers(workspace):
    return {
        "x-api-key": api_key_create(
            actor=Actor.system(workspace, job="test"), name="offsets", scopes=["read"]
        ).plaintext
    }


CASES = [
    ("/v1/pins", "since"), ("/v1/pins", "until"),
    ("/v1/schedules", "since"), ("/v1/schedules", "until"),
    ("/v1/assets", "since"), ("/v1/assets", "until"),
    ("/v1/activity-logs", "since"),
    ("/v1/dashboard/summary", "end"), ("/v1/dashboard/summary", "start"),
]


@pytest.mark.parametrize(("path", "field"), CASES, ids=[f"{path} {field}" for path, field in CASES])
@pytest.mark.parametrize("offset", ["-18:33", "%2B16:00", "-16:00"])
def test_an_offset_postgresql_cannot_store_is_a_422_naming_the_field(server, headers, path, field, offset):
    response = http(server, "GET", f"{path}?{field}=2026-03-01T10:00:00{offset}", headers=headers)
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["error"]["errors"]] == [field]


@pytest.mark.parametrize(("path", "field"), CASES, ids=[f"{path} {field}" for path, field in CASES])
def test_the_widest_offset_postgresql_stores_still_filters(server, headers, path, field):
    other = "end" if field == "start" else None
    query = f"{field}=2026-03-01T10:00:00%2B15:59"
    if other:
        query += f"&{other}=2026-03-02T10:00:00%2B15:59"
    response = http(server, "GET", f"{path}?{query}", headers=headers)
    assert response.status_code == 200, response.text

