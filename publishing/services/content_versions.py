"""A pin's or a schedule's content versions: the one rule for when content counts as changed.

Every content change of a stored pin (an edit, a retry to another board or account) and of a stored
schedule (an edit) reads ``content_values()`` before it, sets the new content, and calls
``content_version_keep``: when the content really differs, the earlier content is kept as a
``PinContentVersion`` and ``content_version`` moves on, so a comment written about the earlier
content shows as "on an earlier version" and can be diffed against the current one. The caller
saves the pin or schedule, in the same transaction.
"""

from __future__ import annotations

from typing import Any

from publishing.models import Pin, PinContentVersion, Schedule


def content_version_keep(subject: Pin | Schedule, before: dict[str, Any] | None) -> bool:
    """Keep ``before`` (``subject.content_values()`` before the change; None for a new, unsaved
    subject, which has no earlier version) if the content now differs. Returns whether it did."""
    if before is None or subject.pk is None or before == subject.content_values():
        return False
    owner = {"schedule": subject} if isinstance(subject, Schedule) else {"pin": subject}
    PinContentVersion.objects.create(**owner, version=subject.content_version, values=before)
    subject.content_version += 1
    return True
