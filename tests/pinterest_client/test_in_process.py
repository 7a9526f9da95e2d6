"""The client can reach the built-in sandbox in-process, through Django's WSGI application, as
the ``demo`` command does before any server listens (same views, same HTTP requests).

A transactional database, as for the live server: Django closes the connection after every
request it handles, which a test wrapped in one transaction would not survive."""

import httpx
from django.core.wsgi import get_wsgi_application

from publishing.pinterest import PinterestClient

from .conftest import sandbox_account


def test_the_client_talks_to_the_sandbox_through_a_wsgi_transport(transactional_db, contract_hooks, contract):
    owner = sandbox_account(boards=4)
    transport = httpx.WSGITransport(app=get_wsgi_application())

    with PinterestClient(
        "http://testserver/sandbox/pinterest/v5",
        owner.access_token,
        transport=transport,
        event_hooks=contract_hooks,
    ) as client:
        assert client.user_account().username == owner.user.username
        assert len(client.boards_list()) == 4

    assert len(contract.checked) == 2
