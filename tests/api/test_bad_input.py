"""Bad input is a 422 naming the field — never a 500 — on SQLite and on PostgreSQL (which refuses
NUL characters in text, so they must be caught before the database sees them)."""

import json
import re

import pytest

from publishing.access import Actor
from publishing.models import Pin
from publishing.services.keys import api_key_create
from tests.api.conftest import http
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

NUL = "bad\x00text"
UUID_ZERO = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def headers(workspace):
    return {"x-api-key": api_key_create(actor=Actor.system(workspace, job="test"), name="fuzz", scopes=["read", "write",
                                                                                  "destructive"]).plaintext}


@pytest.fixture
def pin_body(account, board):
    return {"account_id": str(account.public_id), "board_id": board.pinterest_board_id, "title": "Chair",
            "image_url": "https://images.example.com/c.jpg", "idempotency_key": "fuzz-1"}


JSON_CASES = [
    ("POST", "/v1/pins", {"title": NUL}, "title"),
    ("POST", "/v1/pins", {"idempotency_key": NUL}, "idempotency_key"),
    ("POST", "/v1/pins", {"related_terms": ["ok", NUL]}, "related_terms"),
    ("POST", "/v1/pins", {"title": 12345}, "title"),
    ("POST", "/v1/pins", {"title": "x" * 101}, "title"),
    ("POST", "/v1/pins", {"account_id": "not-a-uuid"}, "account_id"),
    ("POST", "/v1/pins", {"account_id": 10**40}, "account_id"),
    ("POST", "/v1/pins", {"board_id": ["a", "list"]}, "board_id"),
    ("POST", "/v1/pins/validate", {"description": NUL}, "description"),
    ("POST", "/v1/pins/batch", {"pins": [{"title": NUL}]}, "pins"),
    ("POST", "/v1/pins/batch", {"pins": [{}] * 101}, "pins"),
    ("POST", "/v1/schedules", {"run_at": "not a time"}, "run_at"),
    ("POST", "/v1/schedules", {"run_at": "99999-01-01T00:00:00Z"}, "run_at"),
    ("POST", "/v1/webhooks", {"url": NUL, "secret": "0123456789abcdef"}, "url"),
    ("POST", "/v1/webhooks", {"url": "https://x.example.com", "secret": "short"}, "secret"),
    ("POST", "/v1/webhooks", {"url": "https://x.example.com", "secret": "0123456789abcdef", "is_enabled": "maybe"},
     "is_enabled"),
    ("POST", "/v1/pinterest/boards", {"name": NUL}, "name"),
    ("POST", "/v1/pins/bulk-delete", {"ids": ["nope"]}, "ids.0"),
    ("POST", "/v1/pins/bulk-retry", {"ids": []}, "ids"),
    ("DELETE", "/v1/assets", {"asset_ids": [NUL]}, "asset_ids.0"),
    ("POST", "/v1/auth/login", {"email": NUL, "password": "password-1"}, "email"),
    ("POST", "/v1/team/invitations/accept", {"token": NUL * 5}, "token"),
]


@pytest.mark.parametrize(("method", "path", "change", "field"), JSON_CASES,
                         ids=[f"{c[0]} {c[1]} {c[3]}" for c in JSON_CASES])
def test_bad_json_fields_are_422_naming_the_field(server, headers, pin_body, account, method, path, change, field):
    body = {**pin_body, **change} if path.startswith(("/v1/pins", "/v1/schedules")) and "batch" not in path \
        and "bulk" not in path else change
    if path == "/v1/schedules":
        body.pop("idempotency_key")
    if path == "/v1/pinterest/boards":
        body = {**change, "account_id": str(account.public_id)}
    response = http(server, method, path, json=body, headers=headers)
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["detail"]["code"] and error["detail"]["message"] and error["error"]["request_id"]
    assert field in [item["field"] for item in error["error"]["errors"]], error
    assert not Pin.objects.exists()


QUERY_CASES = [
    "/v1/pins?q=bad%00text",
    "/v1/pins?board_id=bad%00id",
    "/v1/pins?error_code=bad%00",
    "/v1/pins?limit=1000000000000000000000000000000",
    "/v1/pins?offset=-1",
    "/v1/pins?limit=true",
    "/v1/pins?since=yesterday",
    # Moments whose UTC time leaves years 1-9999 (SQLite compares in UTC: a 500 there otherwise).
    "/v1/pins?since=0001-01-01T00:00:00%2B14:00",
    "/v1/pins?until=9999-12-31T23:59:59-14:00",
    "/v1/schedules?since=0001-01-01T00:00:00%2B14:00",
    "/v1/assets?until=9999-12-31T23:59:59-14:00",
    "/v1/activity-logs?since=0001-01-01T00:00:00%2B14:00",
    "/v1/pins?sort=random",
    "/v1/pins?status=eaten",
    "/v1/pins?account_id=12",
    "/v1/schedules?q=%00",
    "/v1/assets?q=%00",
    "/v1/assets?in_use=perhaps",
    "/v1/pins/imports?status=%00",
    "/v1/activity-logs?cursor=%00",
    "/v1/activity-logs?limit=201",
    "/v1/dashboard/summary?tz=%00",
    "/v1/dashboard/summary?start=0001-01-01T00:00:00&end=0001-01-01T01:00:00",  # the previous period is year 0
    "/v1/dashboard/summary?end=0001-01-05T00:00:00Z",
    "/v1/dashboard/summary?start=0001-01-01T05:00:00%2B14:00&end=0001-01-01T09:00:00%2B14:00",
    "/v1/rate-meter?account_id=%00",
    "/v1/pinterest/boards?account_id=nope",
    f"/v1/pinterest/boards/bad%00board/access?account_id={UUID_ZERO}",
    "/v1/pins/not-a-uuid",
    "/v1/schedules/%00",
    "/v1/team/invitations/preview",
]


@pytest.mark.parametrize("path", QUERY_CASES)
def test_bad_query_and_path_values_are_422(server, headers, path):
    response = http(server, "GET", path, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["errors"]


def test_analytics_dates_whose_range_leaves_the_calendar_are_422(server, headers, account):
    response = http(server, "GET", f"/v1/pinterest/accounts/{account.public_id}/analytics?end_date=0001-01-05",
                    headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["errors"][0]["field"] == "end_date"


def test_a_body_that_is_not_utf8_json_is_422(server, headers):
    for content in (b"\xff\xfe\x00", b"{not json", b"[1, 2]"):
        response = http(server, "POST", "/v1/pins", content=content,
                        headers={**headers, "content-type": "application/json"})
        assert response.status_code == 422, (content, response.text)


def test_an_upload_without_a_file_is_422(server, headers):
    response = http(server, "POST", "/v1/assets/images", data={"nothing": "here"}, headers=headers)
    assert response.status_code == 422 and response.json()["error"]["errors"][0]["field"] == "file"


def test_a_nul_in_a_csv_import_is_422(server, headers):
    response = http(server, "POST", "/v1/pins/imports/csv", headers=headers,
                    files={"file": ("p.csv", b"title,board_id\nbad\x00,1\n", "text/csv")})
    assert response.status_code == 422 and response.json()["detail"]["code"] == "invalid_characters"


def test_a_body_over_the_size_limit_is_413(server, headers, settings):
    rows = [{"title": "x" * 1000, "idempotency_key": str(n)} for n in range(3000)]  # about 3 MB
    response = http(server, "POST", "/v1/pins/imports/json", json=rows, headers=headers)
    assert response.status_code == 413 and response.json()["detail"]["code"] == "payload_too_large"
    # ... and the operation's schema says so (the OpenAPI fuzzing holds every answer to it).
    schema = http(server, "GET", "/v1/openapi.json").json()
    assert "413" in schema["paths"]["/v1/pins/imports/json"]["post"]["responses"]


def test_every_operation_that_reads_a_body_answers_413_over_the_limit_and_declares_it(server, headers, cast,
                                                                                      settings):
    """Any operation can be sent too big a body, not only the imports: each of the document's operations
    with a request body answers an oversized one 413 (a JSON body, or a multipart form's fields), and
    declares it. Ids in the path are unknown ones: the body is refused before anything is looked up."""
    token = http(server, "POST", "/v1/auth/login", json={"email": cast.admin.email, "password": PASSWORD}).json()
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    schema = http(server, "GET", "/v1/openapi.json").json()
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    padding = "a" * 2048
    answered, undeclared = {}, []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "requestBody" not in operation:
                continue
            url = re.sub(r"\{[^}]+\}", UUID_ZERO, path)
            if "multipart/form-data" in operation["requestBody"]["content"]:
                body = {"data": {"padding": padding}, "files": {"file": ("a.csv", b"title\n", "text/csv")}}
            else:
                body = {"content": json.dumps({"padding": padding}), "headers": {"Content-Type": "application/json"}}
            response = None
            for auth in (headers, bearer):  # some operations are a member's alone (a bearer token)
                sent = {**body, "headers": {**body.get("headers", {}), **auth}}
                response = http(server, method.upper(), url, **sent)
                if response.status_code != 401:
                    break
            answered[f"{method.upper()} {path}"] = response.status_code
            if "413" not in operation["responses"]:
                undeclared.append(f"{method.upper()} {path}")
    assert len(answered) >= 50
    assert {name: status for name, status in answered.items() if status != 413} == {}
    assert undeclared == []


def raw_get(server: str, path: str, header: bytes) -> tuple[int, bytes]:
    """One GET over a plain socket: httpx refuses to send a NUL in a header, an attacker's client does not."""
    import socket
    from urllib.parse import urlsplit

    address = urlsplit(server)
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: " + address.netloc.encode() + b"\r\n"
                           + header + b"\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


@pytest.mark.parametrize("header", [b"x-api-key: pb_live_\x00abc_secret", b"x-api-key: pb_test_0123456789ab_sec\x00ret",
                                    b"Authorization: Bearer pb_live_ab\x00c_secret",
                                    b"Authorization: Bearer pbt_\x00abc_secret"])
def test_a_nul_in_a_presented_credential_is_401_not_a_500(server, header):
    status, body = raw_get(server, "/v1/pins", header)
    assert status == 401, body
    assert b"invalid_" in body
