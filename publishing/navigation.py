"""The dashboard's sections, in order. Sections whose pages are not built yet render as plain
text marked "not available yet" instead of a dead link."""

from django.urls import NoReverseMatch, reverse

SECTIONS = [
    ("Overview", "overview"),
    ("Compose", "compose"),
    ("Pins", "pins"),
    ("Approvals", "approvals"),
    ("Calendar", "calendar"),
    ("Assets", "assets"),
    ("Accounts", "accounts"),
    ("Team", "team"),
    ("API keys", "api_keys"),
]


def navigation_for(request, context) -> list[dict]:
    items = []
    for label, url_name in SECTIONS:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            url = None
        items.append({"label": label, "url": url, "current": is_current(request.path, url)})
    return items


def is_current(path: str, url: str | None) -> bool:
    """A section is current on its own page and on the pages below it (a pin's page is under Pins);
    the overview, whose address every section starts with, only on itself."""
    if url is None:
        return False
    return path == url or (url != reverse("overview") and path.startswith(url))
