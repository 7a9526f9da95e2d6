"""schemathesis over /v1, in process, on PostgreSQL: every operation of /v1/openapi.json gets
generated requests (its examples, the coverage phase's boundary and malformed values, then random
fuzzing), with a fixed seed and a bounded number of examples. Required: no 5xx, and every response
described by the document (its status declared, its body matching the declared schema, its content
type right). Runs as an admin API key with every scope over every operation, then as an admin's
bearer token over the operations only a user may call (auth, api-keys, projects, team).

Business rules the document cannot express are listed in docs/api.md ("Rules the schema cannot
express"); schemathesis's negative-data check is not asked for for that reason.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.test import Client
from schemathesis import engine
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events

from pinboard_site.wsgi import application
from publishing.access import Actor
from publishing.permissions import Role
from publishing.services.auth import access_token_issue
from publishing.services.keys import api_key_create
from tests.conftest import make_member

# The fuzz runs are marked django_db(transaction=True): schemathesis's engine sends its requests from
# a worker thread, with its own database connection, so the test's rows must be committed for it to
# see them (and each request closes its connection, as under a real server, so nothing is left open
# when the test database is flushed).

SEED = 20261130
MAX_EXAMPLES = 10  # per operation and phase; the whole file stays under two minutes on the CI machine
CHECKS = ("not_a_server_error", "status_code_conformance", "response_schema_conformance", "content_type_conformance")
USER_ONLY_TAGS = ("auth", "api-keys", "projects", "team", "notifications (Pinboard extension)")


@dataclass
class Figures:
    operations: int = 0
    requests: int = 0
    statuses: collections.Counter = field(default_factory=collections.Counter)
    server_errors: collections.Counter = field(default_factory=collections.Counter)
    violations: collections.Counter = field(default_factory=collections.Counter)
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"{self.operations} operations, {self.requests} requests, {sum(self.server_errors.values())} 5xx, "
                 f"{sum(self.violations.values())} violations",
                 "  statuses: " + ", ".join(f"{status} x{count}" for status, count in sorted(self.statuses.items()))]
        lines += [f"  5xx x{count}: {what}" for what, count in self.server_errors.most_common()]
        lines += [f"  {check} x{count}: {operation}" for (check, operation), count in self.violations.most_common()]
        lines += [f"  error: {error}" for error in self.errors]
        return "\n".join(lines)


def fuzz(headers: dict, *, tags: tuple[str, ...] = (), bearer_for=None) -> Figures:
    """``bearer_for=(user, workspace)``: every request gets a token of its own (POST /v1/projects/switch
    replaces the token it was called with, which would answer 401 to everything after it)."""
    figures = Figures()

    def counted(environ, start_response):
        def start(status, response_headers, exc_info=None):
            figures.requests += 1
            figures.statuses[status[:3]] += 1
            if status.startswith("5"):
                figures.server_errors[f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']} {status}"] += 1
            return start_response(status, response_headers, exc_info)

        return application(environ, start)

    config = SchemathesisConfig.from_dict({
        "seed": SEED,
        "headers": headers,
        "workers": 1,
        "continue-on-failure": True,
        # Only our credentials: no generated values for the security schemes' headers.
        "generation": {"max-examples": MAX_EXAMPLES, "database": "none", "with-security-parameters": False},
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True},
                   "stateful": {"enabled": False}},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
    })
    schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", counted, config=config)
    if tags:
        schema = schema.include(tag=list(tags))
    if bearer_for:
        user, workspace = bearer_for

        @schema.auth(refresh_interval=None)
        class FreshBearerToken:
            def get(self, case, context):
                return access_token_issue(user=user, workspace=workspace).token

            def set(self, case, token, context):
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}

    operations = set()
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            operations.add(event.recorder.label)
            for nodes in event.recorder.checks.values():
                for node in nodes:
                    if node.failure_info is not None and node.name != "not_a_server_error":
                        figures.violations[(node.name, event.recorder.label)] += 1
        elif isinstance(event, events.NonFatalError):
            figures.errors.append(f"{event.label}: {event.value!r}"[:500])
        elif isinstance(event, events.FatalError):
            raise event.exception
    figures.operations = len(operations)
    return figures


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_v1_with_an_admin_api_key_answers_no_5xx_and_only_what_its_schema_describes(
        cast, capsys):
    workspace = cast.team.workspaces.get()
    key = api_key_create(
        actor=Actor.system(workspace, job="test"), name="fuzz", scopes=["read", "write", "destructive"]
    )
    figures = fuzz({"x-api-key": key.plaintext})
    with capsys.disabled():
        print(f"\nschemathesis, admin API key: {figures}")
    assert figures.operations >= 90, figures
    assert not figures.server_errors and not figures.violations and not figures.errors, str(figures)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_v1_user_operations_with_an_admin_bearer_token_answer_no_5xx_and_only_what_their_schema_describes(
        cast, capsys):
    workspace = cast.team.workspaces.get()
    owner = make_member(cast.team, "fuzz-admin@acme.test", Role.ADMIN)
    figures = fuzz({}, tags=USER_ONLY_TAGS, bearer_for=(owner, workspace))
    with capsys.disabled():
        print(f"\nschemathesis, admin bearer token ({', '.join(USER_ONLY_TAGS)}): {figures}")
    assert figures.operations >= 20, figures
    assert not figures.server_errors and not figures.violations and not figures.errors, str(figures)


# What the fuzzing found, pinned down on every database (the fuzz run itself is PostgreSQL only).

@pytest.mark.parametrize("path", ["/v1/assets/images", "/v1/assets/videos", "/v1/pins/imports/csv", "/v1/auth/login"])
def test_a_multipart_body_without_a_boundary_is_a_422_naming_the_body(cast, path):
    client = Client()
    key = api_key_create(
        actor=Actor.system(cast.team.workspaces.get(), job="test"), name="fuzz", scopes=["read", "write"]
    )
    response = client.post(path, data=b'{"email": "a@b.test", "password": "x"}', content_type="multipart/form-data",
                           headers={"x-api-key": key.plaintext})
    assert response.status_code == 422, response.content[:300]
    assert response.json()["error"]["errors"][0]["field"] == "body"


def test_listing_assets_of_another_workspace_is_a_404_the_document_declares(cast):
    client = Client()
    key = api_key_create(actor=Actor.system(cast.team.workspaces.get(), job="test"), name="fuzz", scopes=["read"])
    other = cast.other_team.workspaces.get()
    response = client.get(f"/v1/assets?workspace_id={other.public_id}", headers={"x-api-key": key.plaintext})
    assert response.status_code == 404 and response.json()["detail"]["code"] == "workspace_mismatch"
    declared = client.get("/v1/openapi.json").json()["paths"]["/v1/assets"]["get"]["responses"]
    assert "404" in declared
