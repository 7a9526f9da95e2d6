"""Sandbox time: the wall clock plus an offset tests can move, shared through the database
so a live server thread and worker processes agree on it."""

from datetime import datetime, timedelta

from django.db.models import F
from django.utils import timezone

from pinterest_sandbox.models import SandboxClock


def _clock() -> SandboxClock:
    clock, _ = SandboxClock.objects.get_or_create(pk=1)
    return clock


def sandbox_now() -> datetime:
    """Use everywhere in the sandbox instead of ``timezone.now()``."""
    offset = SandboxClock.objects.filter(pk=1).values_list("offset_seconds", flat=True).first() or 0
    return timezone.now() + timedelta(seconds=offset)


def advance_clock(seconds: float) -> datetime:
    """Move sandbox time forward (tokens expire, codes lapse, media finish processing)."""
    _clock()
    SandboxClock.objects.filter(pk=1).update(offset_seconds=F("offset_seconds") + seconds)
    return sandbox_now()


def reset_clock() -> None:
    SandboxClock.objects.filter(pk=1).update(offset_seconds=0)
