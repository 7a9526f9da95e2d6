"""Pins and search terms shared by the pins-search tests (dashboard, /v1/pins, the indexes): the
result of a search must be exactly a case-insensitive substring match, with or without the
PostgreSQL trigram indexes behind it."""

from tests.web.helpers import bulk_pins

# (title, description, link_url). ASCII case differences only: SQLite folds ASCII case alone.
SEARCH_CORPUS = [
    ("Walnut stool", "A rare WALNUT stool.", "https://shop.example.com/walnut"),
    ("Oak chair", "Oak, linen and brass.", "https://shop.example.com/oak-chair"),
    ("Brass lamp", "Brass, 100% recycled", "https://shop.example.com/lamp?ref=pin_board"),
    ("Linen throw", "Soft linen_weave", "https://linen.example.org/throw"),
    ("Café table", "Zinc top", "https://shop.example.com/cafe"),
    ("Ox", "", ""),
]
SEARCH_TERMS = ["walnut", "WalNut", "oak, lin", "100%", "_weave", "pin_board", "café", "example.org", "ox", "o",
                "zz-no-match"]


def search_corpus_create(workspace, account, board) -> dict[str, str]:
    """The corpus as pins; returns public id → (title, description, link_url)."""
    created = {}
    for title, description, link_url in SEARCH_CORPUS:
        [pin] = bulk_pins(workspace, account, board, 1, title=title, description=description, link_url=link_url)
        created[str(pin.public_id)] = (title, description, link_url)
    return created


def expected_matches(pins: dict, term: str, *, fields: int) -> set[str]:
    """Public ids whose first ``fields`` searched fields contain ``term``, ignoring case."""
    return {public_id for public_id, texts in pins.items()
            if any(term.lower() in text.lower() for text in texts[:fields])}
