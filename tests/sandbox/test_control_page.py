"""The staff-only control page (faults and clock by hand) and the admin registrations."""

import re

import httpx
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from pinterest_sandbox.clock import sandbox_now
from pinterest_sandbox.models import FaultRule
from pinterest_sandbox.views.control import KIND_CHOICES
from tests.sandbox.helpers import image_pin


def browser(client, sandbox_url, *, staff: bool, email: str = "ops@acme.test") -> httpx.Client:
    user = get_user_model().objects.create_user(
        email=email, password="pw-12345-long", is_staff=staff, is_superuser=staff
    )
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    return httpx.Client(base_url=sandbox_url, cookies={settings.SESSION_COOKIE_NAME: cookie})


def post_form(http: httpx.Client, path: str, data: dict) -> httpx.Response:
    page = http.get(path)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return http.post(path, data={**data, "csrfmiddlewaretoken": token})


@pytest.fixture
def staff(client, sandbox_url) -> httpx.Client:
    return browser(client, sandbox_url, staff=True)


def test_anonymous_visitors_are_sent_to_log_in(sandbox_url):
    response = httpx.get(f"{sandbox_url}/control/")
    assert response.status_code == 302
    assert "/admin/login/" in response.headers["Location"]


def test_logged_in_non_staff_are_sent_to_log_in_too(client, sandbox_url):
    http = browser(client, sandbox_url, staff=False)
    assert http.get("/control/").status_code == 302


def test_staff_see_the_clock_and_the_active_faults(staff):
    FaultRule.objects.create(
        endpoint="pins.create", kind="error", status=500, code=500, message="Boom", remaining=2
    )
    page = staff.get("/control/")
    assert page.status_code == 200
    assert "pins.create" in page.text and "Boom" in page.text and "2" in page.text
    assert "Sandbox time" in page.text


def test_staff_add_a_fault_and_the_api_obeys_it(staff, account):
    response = post_form(
        staff,
        "/control/",
        {
            "action": "add_fault",
            "kind": "error",
            "endpoint": "pins.create",
            "status": "503",
            "code": "503",
            "message": "Down for a bit",
            "times": "1",
        },
    )
    assert response.status_code == 302
    board = account.user.boards.first()
    failed = account.post("/pins", json=image_pin(board.pinterest_id))
    assert (failed.status_code, failed.json()) == (503, {"code": 503, "message": "Down for a bit"})
    assert account.post("/pins", json=image_pin(board.pinterest_id)).status_code == 201


def test_every_fault_kind_can_be_added_from_the_page(staff, subtests):
    for kind, _ in KIND_CHOICES:
        with subtests.test(kind=kind):
            FaultRule.objects.all().delete()
            form = {"action": "add_fault", "kind": kind, "endpoint": "pins.create", "times": "2"}
            form |= {"status": "500", "seconds": "1"}
            response = post_form(staff, "/control/", form)
            assert response.status_code == 302
            assert FaultRule.objects.get().remaining == 2


def test_form_errors_are_shown_inline(staff):
    response = post_form(
        staff, "/control/", {"action": "add_fault", "kind": "error", "endpoint": "pins.create"}
    )
    assert response.status_code == 400
    assert "An error needs a status." in response.text
    bad_endpoint = post_form(staff, "/control/", {"action": "add_fault", "kind": "drop", "endpoint": "nope"})
    assert bad_endpoint.status_code == 400
    assert not FaultRule.objects.exists()


def test_staff_clear_faults_and_remove_one(staff):
    kept = FaultRule.objects.create(endpoint="boards.list", kind="drop", remaining=1)
    gone = FaultRule.objects.create(endpoint="pins.create", kind="drop", remaining=1)
    post_form(staff, "/control/", {"action": "delete_fault", "fault_id": str(gone.pk)})
    assert list(FaultRule.objects.all()) == [kept]
    post_form(staff, "/control/", {"action": "delete_fault", "fault_id": "not-a-number"})
    post_form(staff, "/control/", {"action": "clear_faults"})
    assert not FaultRule.objects.exists()


def test_staff_move_the_clock_and_put_it_back(staff):
    before = sandbox_now()
    post_form(staff, "/control/", {"action": "advance_clock", "advance_seconds": "7200"})
    assert (sandbox_now() - before).total_seconds() >= 7200
    post_form(staff, "/control/", {"action": "reset_clock"})
    assert (sandbox_now() - before).total_seconds() < 60


def test_the_page_refuses_posts_without_csrf(staff):
    assert staff.post("/control/", data={"action": "clear_faults"}).status_code == 403


SANDBOX_ADMIN_PAGES = [
    "sandboxuser",
    "board",
    "boardsection",
    "pin",
    "mediaupload",
    "accesstoken",
    "refreshtoken",
    "authorizationcode",
    "faultrule",
    "ratelimitcounter",
    "sandboxclock",
]


def test_every_sandbox_table_is_in_the_admin(staff, account, subtests):
    for model in SANDBOX_ADMIN_PAGES:
        with subtests.test(model=model):
            response = staff.get(staff.base_url.copy_with(path=f"/admin/pinterest_sandbox/{model}/"))
            assert response.status_code == 200
