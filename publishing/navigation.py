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
        items.append({"label": label, "url": url, "current": url is not None and request.path == url})
    return items
