"""Every dashboard page on a phone (390 px), a tablet (768 px) and desktops (1280, 1440 px) in Chromium:
no page scrolls sideways, the main menu collapses on a phone and works by keyboard, the dark colour
scheme is honoured, and focus lands on the message after an approval is swapped in. A screenshot of
every page at 390 px and 1280 px is saved as ``<page>-390.png`` / ``<page>-1280.png``. The pages are
the tour's (tests/e2e/tour.py), which test_accessibility.py also audits at 1280 px."""

from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.conftest import save_screenshot
from tests.e2e.tour import GUEST_PAGES, LONG_TITLE, WCAG_AA

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE, TABLET, DESKTOP, WIDE = 390, 768, 1280, 1440


def overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: no sideways scroll)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def widest(page) -> list[str]:
    """The outermost elements that reach past the window's right edge, to name in a failure."""
    return page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
                      && el.parentElement.getBoundingClientRect().right <= window.innerWidth + 1)
        .slice(0, 3).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
            + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/ +/).join('.') : '')
            + ' ' + Math.round(el.getBoundingClientRect().right) + ' px')""")


def test_no_page_scrolls_sideways_at_phone_tablet_or_desktop_width_and_each_is_photographed(
    cast, furnished, browser_as
):
    overflowing = {}
    for width in (PHONE, TABLET, DESKTOP, WIDE):
        page = browser_as(cast.admin)
        page.set_viewport_size({"width": width, "height": 844 if width == PHONE else 900})
        for name, url in furnished.items():
            if name in GUEST_PAGES:
                page.context.clear_cookies()
            response = page.goto(url)
            assert response is not None and response.status == 200, f"{url}: {response and response.status}"
            assert urlsplit(page.url).path == urlsplit(url).path, f"{url} went to {page.url}"
            extra = overflow(page)
            if extra > 0:
                overflowing[f"{name} at {width} px"] = f"{extra + width} px wide: {', '.join(widest(page))}"
            if width in (PHONE, DESKTOP):
                save_screenshot(page, f"{name}-{width}")
    page.context.clear_cookies()
    page.set_viewport_size({"width": PHONE, "height": 844})
    page.goto("/accounts/login/")
    if overflow(page) > 0:
        overflowing[f"login at {PHONE} px"] = f"{overflow(page) + PHONE} px wide"
    save_screenshot(page, f"login-{PHONE}")
    assert not overflowing, f"pages wider than the window: {overflowing}"


def test_every_page_at_phone_width_has_no_wcag_aa_violation(cast, furnished, browser_as):
    """axe-core (the axe-playwright-python package) on the phone layout: the collapsed menu, the
    stacked rows and the scrolling tables keep their names, landmarks and contrast."""
    page = browser_as(cast.admin)
    page.set_viewport_size({"width": PHONE, "height": 844})
    axe = Axe()
    problems = {}
    for name, url in furnished.items():
        if name in GUEST_PAGES:
            page.context.clear_cookies()
        page.goto(url)
        results = axe.run(page, options=WCAG_AA)
        if results.violations_count:
            problems[name] = results.generate_report()
    assert not problems, "\n\n".join(f"{name}:\n{report}" for name, report in problems.items())


def test_on_a_phone_the_menu_opens_and_is_followed_by_keyboard(cast, furnished, browser_as):
    page = browser_as(cast.editor)
    page.set_viewport_size({"width": PHONE, "height": 844})
    page.goto("/app/")
    menu = page.get_by_role("navigation", name="Main")
    toggle = page.get_by_role("button", name="Menu")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu.get_by_role("link", name="Pins", exact=True)).to_be_hidden()

    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    pins_link = menu.get_by_role("link", name="Pins", exact=True)
    expect(pins_link).to_be_visible()
    # Tab from the button reaches the links in order; Escape closes the menu and returns to the button.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Pins":
            break
    assert page.evaluate("document.activeElement.textContent.trim()") == "Pins", "Tab never reached Pins"
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()

    page.keyboard.press("Enter")
    expect(pins_link).to_be_visible()
    pins_link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/app/pins/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pins")
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")

    page.set_viewport_size({"width": DESKTOP, "height": 900})  # no menu button: the links are always there
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Pins", exact=True)).to_be_visible()


def test_the_dark_colour_scheme_changes_the_page_colours_and_keeps_their_contrast(cast, furnished, browser_as):
    page = browser_as(cast.admin)
    page.goto("/app/pins/")
    background = "getComputedStyle(document.body).backgroundColor"
    text = "getComputedStyle(document.body).color"
    light = page.evaluate(background), page.evaluate(text)
    page.emulate_media(color_scheme="dark")
    dark = page.evaluate(background), page.evaluate(text)
    assert dark[0] != light[0] and dark[1] != light[1], (light, dark)
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    axe, problems = Axe(), {}
    for name, url in furnished.items():
        page.goto(url)
        results = axe.run(page, options={"runOnly": {"type": "rule", "values": ["color-contrast"]}})
        if results.violations_count:
            problems[name] = results.generate_report()
    assert not problems, "\n\n".join(f"{name}:\n{report}" for name, report in problems.items())


def test_reduced_motion_turns_transitions_off(cast, furnished, browser_as):
    """htmx's request indicator fades in over 200 ms, unless the member asked for less motion."""
    page = browser_as(cast.viewer)
    page.goto("/app/pins/")
    indicator_fade = """() => { const el = document.createElement('span');
        el.className = 'htmx-request htmx-indicator'; document.body.append(el);
        return parseFloat(getComputedStyle(el).transitionDuration) }"""
    assert page.evaluate(indicator_fade) > 0.1
    page.emulate_media(reduced_motion="reduce")
    assert page.evaluate(indicator_fade) == 0


def test_after_an_approval_focus_lands_on_the_announced_message(cast, furnished, browser_as):
    page = browser_as(cast.manager)
    page.set_viewport_size({"width": PHONE, "height": 844})
    page.goto("/app/approvals/")
    approve = page.get_by_role("button", name=f"Approve {LONG_TITLE}")
    approve.focus()
    page.keyboard.press("Enter")
    message = page.get_by_role("status")
    expect(message).to_contain_text(f"Approved “{LONG_TITLE}”")
    expect(message).to_be_focused()


def test_after_a_rejection_without_a_reason_focus_lands_on_the_reason(cast, furnished, browser_as):
    page = browser_as(cast.manager)
    page.goto("/app/approvals/")
    page.get_by_role("button", name=f"Reject {LONG_TITLE}").click()
    reason = page.get_by_role("textbox", name=f"Reason for rejecting {LONG_TITLE}")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_be_focused()
