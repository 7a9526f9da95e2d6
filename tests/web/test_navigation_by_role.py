"""The main menu shows each role only the sections it may use (navigation.SECTIONS, asked through
the one access table), and it agrees with the pages: every link shown answers 200 for that role,
and every section hidden from it is refused (403/404) when its address is typed in."""

import re

import pytest
from django.urls import reverse

from publishing.navigation import SECTIONS

EVERYONE = ["Overview", "Pins", "Approvals", "Calendar", "Assets", "Accounts", "Analytics", "Team"]
# Written out, not derived from the code under test: what each role should find in its menu.
MENU = {
    "admin": ["Overview", "Compose", "Drafts", "Pins", "Approvals", "Calendar", "Assets", "Accounts", "Analytics",
              "Team", "Settings", "API keys"],
    "manager": ["Overview", "Compose", "Drafts", "Pins", "Approvals", "Calendar", "Assets", "Accounts", "Analytics",
                "Team"],
    "editor": ["Overview", "Compose", "Drafts", "Pins", "Approvals", "Calendar", "Assets", "Accounts", "Analytics",
               "Team"],
    "viewer": EVERYONE,
}
MAIN_NAV = re.compile(r'<nav class="sidenav" id="main-nav" aria-label="Main">(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)</a>')


def menu_links(html: str) -> dict[str, str]:
    """The main menu's links, label → address."""
    nav = MAIN_NAV.search(html)
    assert nav, "no main navigation on the page"
    return {label: url for url, label in LINK.findall(nav.group(1))}


@pytest.mark.parametrize("role", list(MENU))
def test_each_role_sees_the_sections_it_may_use_and_each_answers_200(cast, client, role):
    client.force_login(cast.by_role(role))
    links = menu_links(client.get("/app/").content.decode())
    assert list(links) == MENU[role]
    for label, url in links.items():
        response = client.get(url)
        assert response.status_code == 200, (role, label, response.status_code)
        assert "{#" not in response.content.decode(), "a template comment shows as text"
        assert menu_links(response.content.decode()) == links  # the same menu on every page


@pytest.mark.parametrize("role", list(MENU))
def test_each_section_hidden_from_a_role_is_refused_when_typed_in(cast, client, role):
    client.force_login(cast.by_role(role))
    hidden = [(label, url_name) for label, url_name, _action in SECTIONS if label not in MENU[role]]
    for label, url_name in hidden:
        response = client.get(reverse(url_name))
        assert response.status_code in (403, 404), (role, label, response.status_code)
    assert role == "admin" or hidden, "every role but the admin's has something hidden"


def test_the_menu_marks_the_current_section_including_the_pages_below_it(cast, client):
    client.force_login(cast.admin)
    html = client.get("/app/team/settings").content.decode()
    nav = MAIN_NAV.search(html).group(1)
    assert re.findall(r'<a href="([^"]+)" aria-current="page">', nav) == ["/app/team/"]
