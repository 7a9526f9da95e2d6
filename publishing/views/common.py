"""What every dashboard view shares: rendering a page or its fragment, and turning a service's
refusal into inline form errors."""

import uuid

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


def submit(form: forms.Form, action):
    """``action()`` (a service call) once the form is valid; its result, or None when the form or the
    service refused, in which case the reasons are on the form. Actions return the object they made."""
    if not form.is_valid():
        return None
    try:
        return action()
    except AccessRefused:
        raise  # not bad input: the 403/404 page
    except DomainError as error:
        add_domain_error(form, error)
        return None
