"""Connecting a sandbox Pinterest account the way a person does in a browser (not a service: a
form scraper for the ``demo`` command and the tests).

``account_connect_sandbox`` runs the real OAuth code flow against the built-in sandbox:
``account_oauth_start`` → GET the sandbox's authorize page → POST its approve form (with the
page's CSRF token and cookie) → take ``code`` and ``state`` from the redirect →
``account_oauth_complete``. The ``demo`` command uses it (in-process, through
``pinterest_transport``), and so do tests (over real HTTP to the live server).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

from publishing.access import Actor
from publishing.models import PinterestAccount, User, Workspace
from publishing.pinterest.factory import transport_kwargs
from publishing.services.pinterest_accounts import OAuthFailed, account_oauth_complete, account_oauth_start

AUTHORIZE_TIMEOUT_SECONDS = 20.0


@dataclass
class _Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, str] = field(default_factory=dict)


class _FormReader(HTMLParser):
    """Collects the POST forms of a page: their action, their fields' values and submit buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[_Form] = []
        self._current: _Form | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and attributes.get("method", "get").lower() == "post":
            self._current = _Form(action=attributes.get("action", ""))
            self.forms.append(self._current)
        elif self._current is not None and tag in ("input", "button") and attributes.get("name"):
            kind = attributes.get("type", "submit" if tag == "button" else "text").lower()
            if kind == "submit":
                self._current.buttons[attributes["value"]] = attributes["name"]
            elif kind not in ("checkbox", "radio") or "checked" in attributes:
                self._current.fields[attributes["name"]] = attributes.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def sandbox_authorize(authorize_url: str, *, http: httpx.Client, username: str = "") -> tuple[str, str]:
    """Approve the app on the sandbox's authorize page; returns the redirect's ``(code, state)``.

    ``username`` picks an existing sandbox account the caller may act as; blank makes a new one.
    """
    page = http.get(authorize_url)
    if page.status_code != 200:
        raise OAuthFailed("oauth_failed", f"The sandbox's authorize page answered HTTP {page.status_code}.")
    reader = _FormReader()
    reader.feed(page.text)
    form = next((form for form in reader.forms if "approve" in form.buttons), None)
    if form is None:
        raise OAuthFailed("oauth_failed", "The sandbox's authorize page has no approve button.")
    data = {**form.fields, "username": username, form.buttons["approve"]: "approve"}
    answer = http.post(urljoin(str(page.url), form.action or str(page.url)), data=data,
                       headers={"Referer": str(page.url)})
    location = answer.headers.get("location", "")
    query = parse_qs(urlsplit(location).query)
    if answer.status_code not in (302, 303) or "code" not in query:
        problem = query.get("error", [f"HTTP {answer.status_code}"])[0]
        raise OAuthFailed("oauth_failed", f"The sandbox did not approve the connection ({problem}).")
    return query["code"][0], query.get("state", [""])[0]


def account_connect_sandbox(*, workspace: Workspace, user: User | None, username: str = "") -> PinterestAccount:
    """Connect a sandbox Pinterest account (a new one with a few boards unless ``username``) to a
    sandbox workspace, through the full OAuth code flow."""
    if not workspace.is_sandbox:
        raise OAuthFailed("oauth_failed", "Only sandbox workspaces can be connected without a person approving.")
    url = account_oauth_start(actor=Actor.for_user(user, workspace))
    with httpx.Client(timeout=AUTHORIZE_TIMEOUT_SECONDS, follow_redirects=False, **transport_kwargs()) as http:
        code, state = sandbox_authorize(url, http=http, username=username)
    return account_oauth_complete(state=state, code=code, user=user)
