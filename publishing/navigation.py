"""The dashboard's sections, in order, each with the action (publishing/access.py ``ACTIONS``) a
member must be allowed to use it. The menu shows a member only the sections their role may use, and
each section's view asks the same action, so a hidden page is refused (403) when typed in."""

from django.urls import reverse

from publishing.access import TeamContext

# (label, URL name, the action its page needs). "workspace.read": every member.
SECTIONS = [
    ("Overview", "overview", "workspace.read"),
    ("Compose", "compose", "pin.create"),
    ("Drafts", "drafts", "pin.create"),
    ("Pins", "pins", "workspace.read"),
    ("Approvals", "approvals", "workspace.read"),
    ("Calendar", "calendar", "workspace.read"),
    ("Assets", "assets", "workspace.read"),
    ("Accounts", "accounts", "workspace.read"),
    ("Analytics", "analytics", "workspace.read"),
    ("Team", "team", "workspace.read"),
    ("Settings", "workspace_settings", "workspace.time_zone"),  # time zone, approval rules, posting slots
    ("API keys", "api_keys", "api_key.list"),
]
SECTION_ACTIONS = {url_name: action for _label, url_name, action in SECTIONS}


def navigation_for(request, context: TeamContext) -> list[dict]:
    """The sections this member may use, with the current one marked."""
    return [
        {"label": label, "url": url, "current": is_current(request.path, url)}
        for label, url_name, action in SECTIONS
        if context.actor.may(action)
        for url in [reverse(url_name)]
    ]


def is_current(path: str, url: str) -> bool:
    """A section is current on its own page and on the pages below it (a pin's page is under Pins);
    the overview, whose address every section starts with, only on itself."""
    return path == url or (url != reverse("overview") and path.startswith(url))
