"""Domain errors raised by services; the API and the dashboard map them to responses in one place.

Each error carries a machine ``code`` (what the SDK reads in ``detail.code``), a human
``message``, an HTTP ``status_hint`` the API layer uses as the response status, and, for
validation problems, the ``field`` (or ``fields``) at fault so forms can show errors inline.
"""
from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal a service can express. ``status_hint`` is the HTTP status to answer."""

    code = "domain_error"
    status_hint = 400

    def __init__(self, code: str | None = None, message: str = "", status_hint: int | None = None,
                 field: str | None = None, *, fields: dict[str, str] | None = None,
                 remediation: str | None = None) -> None:
        self.code = code or type(self).code
        self.remediation = remediation  # what the caller can do about it, when that is not obvious
        self.message = message or self.code.replace("_", " ")
        self.status_hint = status_hint or type(self).status_hint
        # ``fields`` maps field name -> message when several fields are at fault at once.
        self.fields: dict[str, str] = dict(fields or {})
        if field and field not in self.fields:
            self.fields[field] = self.message
        self.field = field or (next(iter(self.fields)) if self.fields else None)
        super().__init__(self.message)

    def as_dict(self) -> dict[str, str | dict[str, str]]:
        body: dict[str, str | dict[str, str]] = {"message": self.message, "code": self.code}
        if self.field:
            body["field"] = self.field
        if len(self.fields) > 1 or (self.fields and self.field not in self.fields):
            body["fields"] = self.fields
        return body

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, field={self.field!r})"


class ValidationError(DomainError):
    """Bad input: the API answers 422 naming the field; forms show it inline."""

    code = "validation_error"
    status_hint = 422


class BadRequest(DomainError):
    """The action does not apply to the object as it is (e.g. cancelling a finished schedule)."""

    code = "bad_request"
    status_hint = 400


class NotFound(DomainError):
    """The object does not exist in the caller's team (outsiders get this too, never 403)."""

    code = "not_found"
    status_hint = 404


class PermissionDenied(DomainError):
    """The caller can see the object but may not do this to it."""

    code = "forbidden"
    status_hint = 403


class Conflict(DomainError):
    """The request is well-formed but clashes with the object's current state."""

    code = "conflict"
    status_hint = 409


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"


class InvalidState(Conflict):
    """The action is not allowed in the object's current status (e.g. editing a published pin)."""

    code = "invalid_state"


class RateLimited(DomainError):
    """Too many requests; ``retry_after`` seconds until the caller may try again."""

    code = "rate_limited"
    status_hint = 429

    def __init__(self, code: str | None = None, message: str = "", status_hint: int | None = None,
                 field: str | None = None, *, retry_after: float = 1.0, fields: dict[str, str] | None = None,
                 remediation: str | None = None) -> None:
        super().__init__(code, message, status_hint, field, fields=fields, remediation=remediation)
        self.retry_after = retry_after
