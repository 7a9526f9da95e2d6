"""Under the Content-Security-Policy, real Chromium reports no violation on the dashboard's main pages,
the Django admin and the /v1/docs page (Swagger UI), and htmx still works (a rejection on the
approvals page is sent by htmx and swapped in place), and connecting a Pinterest account through the
built-in sandbox's authorize page goes through (its redirects obey form-action)."""

import pytest
from playwright.sync_api import expect

from publishing.models import ApprovalState, PinStatus, PinterestAccount
from tests.web.helpers import bulk_pins

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DASHBOARD = ["/app/", "/app/compose/", "/app/pins/", "/app/pins/{pin}/", "/app/approvals/", "/app/calendar/",
             "/app/calendar/?view=week", "/app/assets/", "/app/accounts/", "/app/team/", "/app/team/settings",
             "/app/team/webhooks", "/app/team/audit", "/app/api-keys/", "/accounts/password_change/"]
ADMIN = ["/admin/", "/admin/publishing/apikey/", "/admin/publishing/pin/", "/admin/publishing/user/add/"]
# Every violation the page sees, as the browser reports it (the event carries the directive and the source).
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(
  `${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));
"""


def watch(page) -> list[str]:
    """Violations seen by the listener and CSP messages on the console, collected as the page is used."""
    seen: list[str] = []
    page.context.add_init_script(LISTEN)
    page.on("console", lambda message: seen.append(message.text) if "Content Security Policy" in message.text else None)
    return seen


def visit(page, url: str, seen: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    assert "content-security-policy" in response.headers, url
    page.wait_for_load_state("load")
    seen.extend(f"{url}: {violation}" for violation in page.evaluate("window.__csp"))


def test_no_csp_violation_on_the_main_pages_the_admin_and_the_api_docs_and_htmx_still_works(
        cast, browser_as, workspace, offline_account, offline_board, sandbox):
    pins = bulk_pins(workspace, offline_account, offline_board, 2, status=PinStatus.PUBLISHED)
    bulk_pins(workspace, offline_account, offline_board, 1, status=PinStatus.QUEUED,
              approval_state=ApprovalState.PENDING, title="Wobbly chair")
    cast.admin.is_staff = cast.admin.is_superuser = True
    cast.admin.save(update_fields=["is_staff", "is_superuser"])
    page = browser_as(cast.admin)
    seen = watch(page)

    for url in DASHBOARD + ADMIN:
        visit(page, url.format(pin=pins[0].public_id), seen)

    # The API docs: Swagger UI's bundle runs and renders the operations from /v1/openapi.json.
    visit(page, "/v1/docs", seen)
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    seen.extend(f"/v1/docs: {violation}" for violation in page.evaluate("window.__csp"))

    # htmx under the policy: the rejection goes out as an htmx request and the queue is swapped in place.
    visit(page, "/app/approvals/", seen)
    page.locator("li", has_text="Wobbly chair").locator("input[name=reason]").fill("Too blurry")
    with page.expect_request(lambda request: request.url.endswith("/reject")) as sent:
        page.get_by_role("button", name="Reject Wobbly chair").click()
    assert sent.value.headers.get("hx-request") == "true", "the form was sent by htmx"
    expect(page.get_by_role("button", name="Reject Wobbly chair")).to_have_count(0)
    assert page.url.endswith("/app/approvals/"), "swapped in place, no navigation"
    seen.extend(f"approvals after htmx: {violation}" for violation in page.evaluate("window.__csp"))

    # Connecting an account: the form's answer redirects to the sandbox's authorize page (form-action
    # governs that redirect), whose own form sends the browser back to the callback.
    visit(page, "/app/accounts/", seen)
    page.get_by_role("button", name="Connect a Pinterest account (sandbox)").click()
    page.wait_for_url("**/sandbox/pinterest/oauth/**")
    expect(page.get_by_role("button", name="Give access")).to_be_visible()
    seen.extend(f"sandbox authorize page: {violation}" for violation in page.evaluate("window.__csp"))
    page.get_by_role("button", name="Give access").click()
    page.wait_for_url("**/app/accounts/**")
    expect(page.get_by_role("button", name="Connect a Pinterest account (sandbox)")).to_be_visible()
    assert PinterestAccount.objects.filter(workspace=workspace).exclude(pk=offline_account.pk).exists()
    seen.extend(f"after the OAuth round trip: {violation}" for violation in page.evaluate("window.__csp"))

    assert not seen, "\n".join(seen)
