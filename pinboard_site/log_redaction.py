"""Secrets out of every log line: one function, ``redact``, and one logging filter built on it.

URLs carry credentials in places a log line copies verbatim: OAuth callbacks (``?code=…&state=…``),
invitation links (``?token=…``), password-reset links (the token is a path segment:
``/accounts/reset/<uid>/<token>/``), guest review links (``/review/<token>``), presigned S3 links
(``X-Amz-Signature``, ``X-Amz-Credential``), ``user:password@`` in a URL, and a referrer header
repeating any of these. Every writer of log lines applies ``redact``: Django's logging (the console
handler's filter, in settings.LOGGING), the API request log (publishing.api.middleware) and gunicorn's
access and error logs (pinboard_site.gunicorn_logging), which both ``scripts/web`` and ``manage.py serve`` use,
and error reports to Sentry (``redact_sentry_event``, settings.SENTRY_DSN).
"""

import logging
import re

REDACTED = "[redacted]"

# A query parameter whose name says it holds a credential. Names are matched loosely (substring,
# any case): redacting a harmless ``country_code`` costs nothing, missing ``X-Amz-Signature`` would.
# A bare query string (no ``?``: WSGI's QUERY_STRING) starts at the beginning of the text.
_SECRET_PARAMETER = re.compile(
    r"(?P<name>(?:^|(?<=[?&;]))[^=&;\s\"'\\?#]*?(?:token|key|secret|signature|sig|password|passwd|credential|auth|code"
    r"|state|session|csrf|otp|nonce)[^=&;\s\"'\\?#]*=)(?P<value>[^&;\s\"'\\#]*)",
    re.IGNORECASE,
)
# Django's password-reset confirmation link: /accounts/reset/<uidb64>/<token>/. After the first visit
# Django swaps the token for "set-password" (kept: it is not a secret).
_RESET_PATH_TOKEN = re.compile(r"(?P<prefix>/accounts/reset/[^/\s\"'\\?#]+/)(?!set-password(?:/|\b))[^/\s\"'\\?#]+")
# A guest reviewer's link: /review/<token>[/...] (the token is the only key to the page).
_REVIEW_PATH_TOKEN = re.compile(r"(?P<prefix>/review/)[^/\s\"'\\?#]+")
# scheme://user:password@host
_URL_USERINFO = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)[^/\s\"'\\@]+@", re.IGNORECASE)


def _may_hold_a_secret(text: str) -> bool:
    """Whether any pattern above could match: each needs one of these. Most of a log line's fields (ids,
    methods, plain paths) hold none, and skip the four searches (every API request logs a dozen fields)."""
    return "=" in text or "@" in text or "/accounts/reset/" in text or "/review/" in text


def redact(text: str) -> str:
    """``text`` with every credential-like URL part replaced by ``[redacted]``: secret query
    parameters' values, the password-reset token in its path, userinfo. Anything else is kept."""
    if not text or not _may_hold_a_secret(text):
        return text
    text = _SECRET_PARAMETER.sub(lambda m: f"{m['name']}{REDACTED}" if m["value"] else m[0], text)
    text = _RESET_PATH_TOKEN.sub(lambda m: f"{m['prefix']}{REDACTED}", text)
    text = _REVIEW_PATH_TOKEN.sub(lambda m: f"{m['prefix']}{REDACTED}", text)
    return _URL_USERINFO.sub(lambda m: f"{m['scheme']}{REDACTED}@", text)


# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class RedactingFilter(logging.Filter):
    """Rewrites a record before any formatter sees it: its message (arguments merged in), its
    traceback text and its ``extra`` fields. Installed on handlers and on gunicorn's loggers; a
    record is never dropped.

    It changes the record itself (Python 3.11's filters cannot hand back a copy): handlers after
    this one see the redacted record too, which is what a log wants.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info:
            # The traceback as text, redacted; formatters (plain and JSON) print exc_text when
            # exc_info is gone, and would format the live exception afresh otherwise.
            record.exc_text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _RECORD_ATTRIBUTES:
                setattr(record, name, _redacted_field(value))
        return True


def _redacted_field(value, *, as_text=True):
    """An ``extra`` field with its strings redacted, its shape kept (JSON logs print dicts as objects).
    Other objects (django.request's ``request``) become their redacted text: a JSON formatter would
    print their repr otherwise, query string included. ``as_text=False`` leaves them as they are, for a
    writer that knows them (Sentry writes a breadcrumb's datetime itself)."""
    if isinstance(value, dict):
        return {key: _redacted_field(item, as_text=as_text) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted_field(item, as_text=as_text) for item in value]
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool | int | float) or not as_text:
        return value
    return redact(str(value))


def redact_sentry_event(event: dict, hint: dict) -> dict:
    """Sentry's ``before_send``, ``before_send_transaction`` and ``before_breadcrumb``: every string in
    a report redacted as a log line is, the request's URL and query string, its referrer, the
    breadcrumbs (log lines and HTTP calls the SDK recorded on its own) and the exception's message
    included. Sentry's own scrubbing goes by field names, and a guest review token is a path segment."""
    return _redacted_field(event, as_text=False)
