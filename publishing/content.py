"""A pin's content, defined once: its fields, their limits, how a value is normalised, and the
fingerprint that tells a repeated request from a different one.

The model columns (``publishing.models.pins.PinContentColumns``), the /v1 schemas, the dashboard
forms and the pins and schedules services all read their limits and field lists from here, so a
limit changes in one place. The limits are Pinterest's (v5 PinCreate) and ours for the fields only
we have. This module imports nothing from ``publishing``: models, schemas and services can all
import it without a cycle.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass


class ContentProblem(ValueError):
    """A value that cannot be a pin's: ``code`` is the API's error code, ``message`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _refuse_non_text(value: object) -> str:
    if not isinstance(value, str):
        raise ContentProblem("invalid_type", "Must be text.")
    if "\x00" in value:
        raise ContentProblem("invalid_characters", "Must not contain NUL characters.")
    return value


@dataclass(frozen=True)
class TextField:
    """One text field of a pin: its longest value and whether surrounding spaces are dropped."""

    max_length: int
    # Addresses and ids: a space around them is never meant, while one in a title is the author's.
    strip: bool = False

    def normalise(self, value: object) -> str:
        """The stored form of ``value`` (None is empty); raises ContentProblem when it cannot be."""
        if value is None:
            return ""
        text = _refuse_non_text(value)
        if len(text) > self.max_length:
            raise ContentProblem("too_long", f"Must be at most {self.max_length} characters (got {len(text)}).")
        return text.strip() if self.strip else text


@dataclass(frozen=True)
class TermsField:
    """A list of short phrases (Pinterest's related terms)."""

    max_items: int
    max_item_length: int

    def normalise(self, value: object) -> list[str]:
        if value in (None, ""):
            return []
        if not isinstance(value, list | tuple) or not all(isinstance(term, str) for term in value):
            raise ContentProblem("invalid_type", "Must be a list of words or phrases.")
        if len(value) > self.max_items:
            raise ContentProblem("too_many", f"At most {self.max_items} related terms.")
        if any("\x00" in term for term in value):
            raise ContentProblem("invalid_characters", "Must not contain NUL characters.")
        if any(len(term) > self.max_item_length or not term.strip() for term in value):
            raise ContentProblem("invalid_term", f"Each related term must be 1 to {self.max_item_length} characters.")
        return [term.strip() for term in value]


URL_MAX_LENGTH = 2048


class PinContent:
    """What a pin says and shows, and where it goes: the one definition of each field."""

    board_id = TextField(64, strip=True)
    title = TextField(100)
    description = TextField(800)
    link_url = TextField(URL_MAX_LENGTH, strip=True)
    alt_text = TextField(500)
    dominant_color = TextField(7)
    related_terms = TermsField(max_items=50, max_item_length=100)
    image_url = TextField(URL_MAX_LENGTH, strip=True)
    cover_image_url = TextField(URL_MAX_LENGTH, strip=True)
    # The client's key for a request; not content, but normalised and limited the same way.
    idempotency_key = TextField(255, strip=True)

    # Every content field, in the order the /v1 schedule ``payload`` lists them. ``asset_id`` and
    # ``cover_image_asset_id`` name library assets (by public id) instead of holding text.
    FIELDS = ("board_id", "title", "description", "link_url", "alt_text", "dominant_color", "related_terms",
              "image_url", "asset_id", "cover_image_url", "cover_image_asset_id")
    TEXT_FIELDS = ("title", "description", "alt_text", "dominant_color", "board_id", "link_url", "image_url",
                   "cover_image_url")
    URL_FIELDS = ("link_url", "image_url", "cover_image_url")
    ASSET_FIELDS = ("asset_id", "cover_image_asset_id")
    REQUIRED_FIELDS = ("board_id", "title")

    @classmethod
    def text_field(cls, name: str) -> TextField:
        field = getattr(cls, name)
        if not isinstance(field, TextField):
            raise KeyError(name)
        return field


def content_fingerprint(values: Mapping[str, object]) -> str:
    """A hash of a request's values as submitted: the same idempotency key with another
    fingerprint is a different request. Key order does not matter; fingerprints already stored
    stay valid as long as callers pass the same values."""
    return hashlib.sha256(json.dumps(dict(values), sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class FieldDiff:
    """One content field that differs between two versions: its lines, each marked "-" (only in the
    earlier version), "+" (only in the later one) or " " (in both)."""

    name: str
    lines: list[tuple[str, str]]


def content_diff(earlier: Mapping[str, object], later: Mapping[str, object]) -> list[FieldDiff]:
    """The fields of ``PinContent.FIELDS`` whose values differ, line by line, in field order."""
    diffs = []
    for name in PinContent.FIELDS:
        before, after = _diff_text(earlier.get(name)), _diff_text(later.get(name))
        if before != after:
            lines = [(line[0], line[2:]) for line in difflib.ndiff(before.splitlines(), after.splitlines())
                     if line[0] in "-+ "]
            diffs.append(FieldDiff(name, lines))
    return diffs


def _diff_text(value: object) -> str:
    """A field's value as text to compare: lists (related terms) one item a line, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return str(value)
