"""What every dashboard view shares: rendering a page or its fragment, and calling a service.

A view calls a service through ``attempt`` (or ``submit``, which is ``attempt`` behind a form's
validation): no view catches ``DomainError`` itself. An access refusal is not caught: the middleware
answers it with the 403/404 page. Any other refusal comes back as a value the view shows where its page
shows errors: on the form, in an htmx fragment, or as a message after a redirect."""

import uuid
from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.shortcuts import render

from publishing.access import AccessRefused
from publishing.services.errors import DomainError


def render_page(request, template: str, context: dict, *, fragment: str | None = None, status: int = 200):
    """The whole page for a normal request; only ``template#fragment`` for an htmx request."""
    name = f"{template}#{fragment}" if fragment and request.htmx else template
    return render(request, name, context, status=status)


# Service field names that a dashboard form shows under another name.
FIELD_ALIASES = {"run_at_local": "run_at", "run_at_fold": "run_at"}


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal beside the fields it names, or above the form."""
    placed = False
    for service_field, message in error.fields.items():
        field = FIELD_ALIASES.get(service_field, service_field)
        if field in form.fields and not form.fields[field].widget.is_hidden:  # a hidden field's errors never show
            form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def uuid_or_none(value: str | None) -> uuid.UUID | None:
    """A public id from a query string or form; anything else (a typo, a forged value) is None."""
    try:
        return uuid.UUID(value) if value else None
    except (ValueError, TypeError):
        return None


Result = TypeVar("Result")


def attempt(action: Callable[[], Result]) -> Result | DomainError:
    """``action()`` (one service call): its result, or the ``DomainError`` it refused with."""
    try:
        return action()
    except AccessRefused:
        raise  # not bad input: the 403/404 page
    except DomainError as error:
        return error


def submit(form: forms.Form, action: Callable[[], Result]) -> Result | None:
    """``action()`` once the form is valid; its result, or None when the form or the service refused,
    in which case the reasons are on the form. Actions return the object they made."""
    if not form.is_valid():
        return None
    outcome = attempt(action)
    if isinstance(outcome, DomainError):
        add_domain_error(form, outcome)
        return None
    return outcome
