"""/v1/pins/{id}/comments (Pinboard extension, issue 13): the thread through the API, keys and
roles, mentions, earlier versions, and bad input as a 422 naming ``body``."""

import pytest

from publishing.access import Actor
from publishing.models import PinComment
from publishing.services.keys import api_key_create
from publishing.services.pins import pin_edit
from tests.api.conftest import http, pin_create
from tests.api.test_approvals import bearer

pytestmark = pytest.mark.django_db(transaction=True)


def key_headers(workspace, scopes: list[str]) -> dict[str, str]:
    return {"X-API-Key": api_key_create(actor=Actor.system(workspace, job="test"), name="c", scopes=scopes).plaintext}


@pytest.fixture
def pin(login, cast, account, board):
    return login(cast.manager).pins.create(pin_create(account, board))


def test_a_thread_through_the_api_with_mentions_and_an_earlier_version(server, cast, workspace, pin):
    editor = bearer(server, cast.editor)
    posted = http(server, "POST", f"/v1/pins/{pin.id}/comments", json={"body": " @mona is this ok? "}, headers=editor)
    assert posted.status_code == 201, posted.text
    first = posted.json()
    assert (first["body"], first["author"], first["mentions"], first["content_version"],
            first["on_earlier_version"]) == ("@mona is this ok?", "eddie@acme.test", ["mona@acme.test"], 1, False)
    manager = Actor.for_user(cast.manager, workspace)
    pin_edit(pin=PinComment.objects.get().pin, actor=manager, data={"title": "Renamed"})
    http(server, "POST", f"/v1/pins/{pin.id}/comments", json={"body": "Renamed it"},
         headers=key_headers(workspace, ["read", "write"]))
    thread = http(server, "GET", f"/v1/pins/{pin.id}/comments", headers=bearer(server, cast.viewer)).json()
    assert thread["content_version"] == 2
    assert [(c["body"], c["content_version"], c["on_earlier_version"]) for c in thread["data"]] == [
        ("@mona is this ok?", 1, True), ("Renamed it", 2, False)]
    assert thread["data"][1]["author"].startswith("API key ")


def test_who_may_comment_through_the_api(server, cast, workspace, pin):
    path = f"/v1/pins/{pin.id}/comments"
    viewer = http(server, "POST", path, json={"body": "Hi"}, headers=bearer(server, cast.viewer))
    assert viewer.status_code == 403 and viewer.json()["detail"]["code"] == "insufficient_role"
    reader = key_headers(workspace, ["read"])
    assert http(server, "POST", path, json={"body": "Hi"}, headers=reader).status_code == 403
    assert http(server, "GET", path, headers=reader).status_code == 200
    outsider = bearer(server, cast.outsider)
    assert http(server, "GET", path, headers=outsider).status_code == 404
    assert http(server, "POST", path, json={"body": "Hi"}, headers=outsider).status_code == 404
    assert not PinComment.objects.exists()


@pytest.mark.parametrize("body", [{"body": ""}, {"body": "  \n"}, {"body": "a\x00b"}, {"body": "x" * 2001},
                                  {"body": 12}, {}])
def test_bad_bodies_are_422_naming_the_field(server, workspace, pin, body):
    response = http(server, "POST", f"/v1/pins/{pin.id}/comments", json=body,
                    headers=key_headers(workspace, ["read", "write"]))
    assert response.status_code == 422, response.text
    assert "body" in [item["field"] for item in response.json()["error"]["errors"]]
    assert not PinComment.objects.exists()
