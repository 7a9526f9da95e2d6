"""The one place where failures become HTTP responses for the /v1 API.

Every error body has the same shape, which the SDK, the MCP server and the n8n node all read::

    {"detail": {"message": M, "code": C},
     "error": {"code": C, "message": M, "request_id": R, "errors": [...]?, "retry_after_seconds": N?}}

``detail`` is what ``pinbridge_sdk.errors`` parses into ``APIError.message``/``code``;
``error`` is the newer envelope carrying the request id and, for 422s, every field error.
"""

import logging
import math
from typing import NoReturn

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from publishing.services.errors import DomainError, RateLimited

logger = logging.getLogger("pinboard.api")

# The default text of each status we answer when nothing more specific is known.
DEFAULT_CODES = {
    400: ("bad_request", "The request could not be understood."),
    401: ("not_authenticated", "Not authenticated: send an API key (x-api-key) or a bearer token."),
    403: ("forbidden", "You may not do this."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "This method is not allowed on this path."),
    409: ("conflict", "The request conflicts with the current state."),
    413: ("payload_too_large", "The request body is too large."),
    422: ("validation_error", "The request is not valid."),
    429: ("rate_limited", "Too many requests; try again later."),
    500: ("internal_error", "Internal server error; the request id identifies it in the server logs."),
}


class ApiError(DomainError):
    """An API-level refusal that no service raises (authentication, malformed requests)."""


def not_available(message: str) -> NoReturn:
    """Refuse what the PinBridge API offers but has no meaning on a self-hosted server."""
    raise ApiError("not_available", message, 404)


def error_payload(request: HttpRequest | None, status: int, *, code: str | None = None, message: str | None = None,
                  errors: list[dict] | None = None, extra: dict | None = None) -> dict:
    default_code, default_message = DEFAULT_CODES.get(status, ("error", "Request failed."))
    code = code or default_code
    message = message or default_message
    envelope = {"code": code, "message": message, "request_id": getattr(request, "request_id", None)}
    if errors:
        envelope["errors"] = errors
    envelope.update(extra or {})
    return {"detail": {"message": message, "code": code}, "error": envelope}


def error_response(request: HttpRequest | None, status: int, **kwargs) -> JsonResponse:
    retry_after = (kwargs.get("extra") or {}).get("retry_after_seconds")
    response = JsonResponse(error_payload(request, status, **kwargs), status=status)
    if retry_after is not None:
        response["Retry-After"] = str(max(1, math.ceil(retry_after)))
    return response


def _field_name(loc: tuple | list) -> str:
    """``("body", "data", "pins", 0, "title")`` → ``pins.0.title``; query/path keep their name."""
    parts = list(loc)
    if parts and parts[0] == "body" and len(parts) > 2:
        parts = parts[2:]  # drop the source and the operation's parameter name
    elif parts and parts[0] in {"body", "query", "path", "form", "file", "header", "cookie"} and len(parts) > 1:
        parts = parts[1:]
    return ".".join(str(part) for part in parts) or "body"


def field_errors_from_ninja(errors: list[dict]) -> list[dict]:
    # Only loc/msg/type: pydantic's ``ctx`` may hold objects that are not JSON, and ``input``
    # may hold a password.
    return [
        {"loc": list(item.get("loc", ())), "field": _field_name(item.get("loc", ())), "msg": str(item.get("msg", "")),
         "type": str(item.get("type", "value_error"))}
        for item in errors
    ]


def validation_response(request: HttpRequest, errors: list[dict]) -> JsonResponse:
    summary = "; ".join(f"{error['field']}: {error['msg']}" for error in errors[:5])
    return error_response(request, 422, code="validation_error", message=f"Invalid request: {summary}",
                          errors=errors)


def _on_validation_error(request, exc: NinjaValidationError):
    return validation_response(request, field_errors_from_ninja(exc.errors))


def _on_domain_error(request, exc: DomainError):
    status = exc.status_hint
    extra = {}
    errors = None
    if isinstance(exc, RateLimited):
        extra["retry_after_seconds"] = max(1, math.ceil(exc.retry_after))
    if exc.fields:
        errors = [{"loc": ["body", *name.split(".")], "field": name, "msg": message, "type": exc.code}
                  for name, message in exc.fields.items()]
    for key in ("remediation", "connect_url"):
        if getattr(exc, key, None):
            extra[key] = getattr(exc, key)
    return error_response(request, status, code=exc.code, message=exc.message, errors=errors, extra=extra)


def _on_http_error(request, exc: HttpError):
    if isinstance(exc, Throttled):
        return error_response(request, 429, extra={"retry_after_seconds": exc.wait or 1})
    if isinstance(exc, AuthenticationError):
        return error_response(request, 401)
    if exc.status_code == 400:
        # ninja answers 400 when the body is not JSON (or not UTF-8): that is bad input, a 422.
        errors = [{"loc": ["body"], "field": "body", "msg": "Body is not valid UTF-8 JSON", "type": "json_invalid"}]
        return validation_response(request, errors)
    return error_response(request, exc.status_code, message=exc.message)


def _on_not_found(request, exc):
    return error_response(request, 404)


def _on_too_big(request, exc: RequestDataTooBig):
    return error_response(request, 413, message=f"The request body is larger than "
                          f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes; send fewer rows per request.")


def _on_malformed_multipart(request, exc: MultiPartParserError):
    # A multipart/form-data body Django cannot split (no boundary, a broken part): bad input, a 422,
    # wherever it is first read (a file parameter, or django-axes reading a failed login's form).
    errors = [{"loc": ["body"], "field": "body", "msg": f"Malformed multipart/form-data body: {exc}",
               "type": "multipart_invalid"}]
    return validation_response(request, errors)


def _on_permission_denied(request, exc: DjangoPermissionDenied):
    return error_response(request, 403, message=str(exc) or None)


def _on_unhandled(request, exc: Exception):
    logger.exception("Unhandled API error (request %s)", getattr(request, "request_id", "-"))
    return error_response(request, 500)


def install_error_handlers(api: NinjaAPI) -> None:
    api.add_exception_handler(NinjaValidationError, _on_validation_error)
    api.add_exception_handler(DomainError, _on_domain_error)
    api.add_exception_handler(HttpError, _on_http_error)
    api.add_exception_handler(Http404, _on_not_found)
    api.add_exception_handler(DjangoPermissionDenied, _on_permission_denied)
    api.add_exception_handler(RequestDataTooBig, _on_too_big)
    api.add_exception_handler(MultiPartParserError, _on_malformed_multipart)
    api.add_exception_handler(Exception, _on_unhandled)
