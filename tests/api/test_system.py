"""GET /, /healthz, /readyz, the OpenAPI document, and the error shape of what no operation serves."""

import json
import logging

import pytest
from pinbridge_sdk.errors import NotFoundError

from publishing.access import Actor
from publishing.services.keys import api_key_create
from tests.api.conftest import http

pytestmark = pytest.mark.django_db(transaction=True)


def test_root_answers_the_sdk_with_its_root_document(sdk):
    root = sdk().system.root()
    assert root.service == "PinBridge API" and root.docs == "/v1/docs"


def test_root_sends_a_browser_to_the_dashboard(server):
    response = http(server, "GET", "/", headers={"Accept": "text/html"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/app/")


def test_health_is_liveness_of_the_process(sdk):
    health = sdk().system.health()
    assert health.status == "ok" and health.checks == {"process": "ok"}


def test_readiness_checks_this_nodes_database_and_needs_no_worker(server, sdk):
    """No cluster runs here: a web node's readiness never depends on a worker on another machine
    (tests/operations/test_probes.py covers Redis; workers have `manage.py worker_health`)."""
    readiness = sdk().system.readiness()
    assert readiness.status == "ready" and readiness.database == "ok"


def test_unknown_v1_path_is_a_json_404_with_a_request_id(server, keyed):
    response = http(server, "GET", "/v1/no-such-thing/")
    assert response.status_code == 404
    body = response.json()
    assert body["detail"]["code"] == "not_found"
    assert body["error"]["request_id"] == response.headers["X-Request-ID"]
    with pytest.raises(NotFoundError):
        keyed().resource("pins")._request("GET", "/v1/pins/nope/deeper")


def test_wrong_method_is_a_json_405(server):
    response = http(server, "PUT", "/v1/auth/login", json={})
    assert response.status_code == 405
    assert response.json()["detail"]["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize("path", ["/v1/pins", "/v1/schedules", "/v1/assets", "/v1/webhooks", "/v1/projects"])
def test_the_sdks_paths_are_served_as_written_and_a_trailing_slash_never_redirects(server, workspace, path):
    key = api_key_create(
        actor=Actor.system(workspace, job="test"), name="paths", scopes=["read", "write", "destructive"]
    ).plaintext
    # The SDK follows no redirects: its own path must reach the operation (here a 200 list) ...
    response = http(server, "GET", path, headers={"X-API-Key": key})
    assert response.status_code == 200 and "Location" not in response.headers
    # ... and the slashed variant is a JSON 404, never a redirect to the path.
    slashed = http(server, "GET", f"{path}/")
    assert slashed.status_code == 404 and "Location" not in slashed.headers
    assert slashed.json()["detail"]["code"] == "not_found"


def test_a_caller_chosen_request_id_is_echoed(server):
    response = http(server, "GET", "/healthz", headers={"X-Request-ID": "trace-0123456789"})
    assert response.headers["X-Request-ID"] == "trace-0123456789"


def test_openapi_document_declares_error_responses(server):
    document = http(server, "GET", "/v1/openapi.json").json()
    create_pin = document["paths"]["/v1/pins"]["post"]
    assert {"201", "401", "403", "409", "422"} <= set(create_pin["responses"])
    assert "X-Total-Count" in document["paths"]["/v1/pins"]["get"]["responses"]["200"]["headers"]
    assert {"x-api-key", "BearerAuth"} & set(document["components"]["securitySchemes"])


def test_docs_page_is_served_without_a_cdn(server):
    response = http(server, "GET", "/v1/docs")
    assert response.status_code == 200 and "/static/ninja/swagger-ui-bundle.js" in response.text


def test_request_log_is_one_event_with_fields_and_without_secrets(server, keyed, caplog):
    client = keyed()
    secret = client._core._api_key
    with caplog.at_level(logging.INFO, logger="pinboard.api.requests"):
        client.pins.list(q="secret-search")
        http(server, "POST", "/v1/auth/login", json={"email": "nobody@acme.test", "password": "hunter2-password"})
    # One event per request; its fields are attributes of the record (LOG_FORMAT=json prints them as one object).
    lines = [vars(record) for record in caplog.records if record.name == "pinboard.api.requests"]
    listing = next(line for line in lines if line["path"] == "/v1/pins")
    assert listing["auth_mode"] == "api_key" and listing["key_prefix"] == "_".join(secret.split("_")[:3])
    assert listing["status"] == 200 and listing["workspace_id"] and listing["request_id"]
    failed_login = next(line for line in lines if line["path"] == "/v1/auth/login")
    assert failed_login["status"] == 401 and failed_login["auth_mode"] is None
    logged = "\n".join(record.getMessage() for record in caplog.records) + json.dumps(lines, default=str)
    assert secret not in logged and "hunter2-password" not in logged and "secret-search" not in logged
