"""Request ids, one error shape, and one log event for every API request.

Runs around everything else, so it also sees what never reaches a ninja operation: unknown
paths, 405s, CSRF refusals, Django's own 500 page. Under the API's paths any error response
that is not already JSON is replaced by the API's error shape.
"""

import logging
import re
import time
import uuid
from urllib.parse import quote

from pinboard_site.log_redaction import REDACTED, redact
from publishing.api.errors import error_response

request_log = logging.getLogger("pinboard.api.requests")

API_PATH = re.compile(r"^/(v1/|healthz$|readyz$|$)")
INCOMING_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
KEPT_HEADERS = ("Allow", "Retry-After")


def is_api_path(path: str) -> bool:
    return bool(API_PATH.match(path))


# Paging and filter values are safe and useful in a log line; any other value (search text a customer
# typed, tokens under names no pattern foresaw) is replaced, keeping only the parameter's name.
LOGGED_QUERY_VALUES = frozenset({"limit", "offset", "page", "page_size", "status", "sort", "order"})


def query_for_log(request) -> str | None:
    """The request's query string for the log: every parameter's name, and its value only when it is
    a paging or filter value (``q=[redacted]``, ``token=[redacted]``, ``limit=50``)."""
    parts = [f"{name}={quote(value, safe='') if name in LOGGED_QUERY_VALUES else REDACTED}"
             for name, values in request.GET.lists() for value in values]
    return "&".join(parts) or None


class ApiRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api_path(request.path):
            return self.get_response(request)
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if INCOMING_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        started = time.monotonic()
        response = self.get_response(request)
        if response.status_code >= 400 and "json" not in response.get("Content-Type", ""):
            replacement = error_response(request, response.status_code)
            for header in KEPT_HEADERS:
                if response.has_header(header):
                    replacement[header] = response[header]
            response = replacement
        response["X-Request-ID"] = request.request_id
        self.log(request, response, time.monotonic() - started)
        return response

    @staticmethod
    def log(request, response, seconds: float) -> None:
        """One event: a readable message, and the fields as ``extra`` attributes of the record, so
        LOG_FORMAT=json prints them as one JSON object and plain logs stay a readable line."""
        caller = getattr(request, "api_caller", None)
        fields = {
            "event": "api_request",
            "request_id": request.request_id,
            "method": request.method,
            # Redacted here too (not only by the handler's filter), so no log configuration can leak them:
            # OAuth codes, invitation and verification tokens travel in the query string.
            "path": redact(request.path),
            "query": query_for_log(request),
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1),
            "auth_mode": caller.mode if caller else None,
            "key_prefix": caller.api_key.prefix if caller and caller.api_key else None,
            "user_id": str(caller.user.public_id) if caller and caller.user else None,
            "workspace_id": str(caller.workspace.public_id) if caller else None,
        }
        request_log.info("%s %s %s %.1fms request_id=%s auth=%s", fields["method"], fields["path"], fields["status"],
                         fields["duration_ms"], fields["request_id"], fields["auth_mode"] or "-", extra=fields)
