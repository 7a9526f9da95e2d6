"""An admin rotates an API key in the Django admin panel; the old key keeps working through the
real /v1 API (driven by the official pinbridge-sdk) until the grace period ends, then stops."""

import re
import time

import pytest
from pinbridge_sdk import AuthenticationError, PinbridgeClient
from playwright.sync_api import expect

from publishing.access import Actor
from publishing.services.keys import api_key_create
from tests.e2e.conftest import save_screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
GRACE_SECONDS = 4


def key_works(base_url: str, plaintext: str) -> bool:
    with PinbridgeClient(base_url=base_url, api_key=plaintext, timeout=10) as client:
        try:
            client.pins.list()
        except AuthenticationError:
            return False
    return True


def test_the_old_key_works_until_the_grace_period_ends(cast, browser_as, live_server):
    cast.admin.is_staff = cast.admin.is_superuser = True
    cast.admin.save()
    workspace = cast.team.workspaces.get()
    old = api_key_create(actor=Actor.system(workspace, job="test"), name="Shop sync", scopes=["read", "write"])
    assert key_works(live_server.url, old.plaintext)

    admin = browser_as(cast.admin)
    admin.goto("/admin/publishing/apikey/")
    admin.get_by_role("checkbox", name="Select this object for an action").first.check()
    admin.get_by_role("combobox", name="Action").select_option("rotate_keys")
    admin.get_by_role("button", name="Go", exact=True).click()
    admin.get_by_label("Grace period amount").fill(str(GRACE_SECONDS))
    admin.get_by_label("Grace period unit").select_option("seconds")
    admin.get_by_role("button", name="Rotate the keys").click()
    secret_box = admin.locator("input.new-secret")
    expect(secret_box).to_be_visible()
    rotated_at = time.monotonic()
    new_plaintext = secret_box.input_value()
    save_screenshot(admin, "admin-key-rotated")
    assert re.fullmatch(r"pb_test_[0-9a-f]{12}_\S+", new_plaintext)

    assert key_works(live_server.url, new_plaintext)
    assert key_works(live_server.url, old.plaintext), "the old key must keep working during the grace period"
    deadline = rotated_at + GRACE_SECONDS + 10
    while key_works(live_server.url, old.plaintext):
        assert time.monotonic() < deadline, "the old key still works long after its grace period"
        time.sleep(0.25)
    assert time.monotonic() - rotated_at >= GRACE_SECONDS - 1  # not before the grace period ended
    assert key_works(live_server.url, new_plaintext)
    admin.reload()
    expect(admin.locator("body")).not_to_contain_text(new_plaintext)  # shown once, never again
