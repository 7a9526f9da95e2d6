"""Dashboard view tests: the Django test client, the persona cast, and rows made through the
real services (pins) or, where no Pinterest call is involved, plain account and board rows."""

import pytest

from publishing.access import Actor
from publishing.models import Pin
from publishing.services.pins import pin_create
from tests.pipeline_fixtures import (  # noqa: F401
    account,
    board,
    offline_account,
    offline_board,
    pin_payload,
    sandbox,
    workspace,
)


@pytest.fixture
def login(client):
    """``login(user)`` → the test client, logged in as that user."""

    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def make_pin(cast, workspace, offline_account, offline_board):  # noqa: F811 - fixtures by name
    """``make_pin(**overrides)`` → a pin created through ``pin_create`` as the editor (so it awaits
    approval under the default rules) unless ``actor`` says otherwise."""
    counter = iter(range(1, 10_000))

    def create(actor=None, **overrides):
        number = next(counter)
        data = pin_payload(offline_account, offline_board, idempotency_key=f"web-{number}", title=f"Pin {number}")
        data.update(overrides)
        return pin_create(actor=Actor.for_user(actor or cast.editor, workspace), source=Pin.Source.DASHBOARD, data=data)

    return create
