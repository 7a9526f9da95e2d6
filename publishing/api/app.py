"""The /v1 API object: the PinBridge REST API that the official ``pinbridge-sdk`` drives unmodified."""

from http import HTTPStatus
from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from pinboard_site.views import VERSION
from publishing.api.errors import install_error_handlers
from publishing.api.routers import ROUTERS
from publishing.api.security import API_AUTH


class PinBridgeAPI(NinjaAPI):
    """The API, whose OpenAPI document declares 413 on every operation that reads a request body: Django
    refuses a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` wherever one is read (``errors._on_too_big``), so
    each of them can answer it, and a client (or a fuzzer) checking statuses against the document must
    find it there. Declared here once rather than remembered on each operation."""

    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            for operation in operations.values():
                if "requestBody" in operation:
                    operation["responses"].setdefault(HTTPStatus.REQUEST_ENTITY_TOO_LARGE.value, {
                        "description": HTTPStatus.REQUEST_ENTITY_TOO_LARGE.phrase,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
                    })
        return schema


api = PinBridgeAPI(
    title="Pinboard — PinBridge API",
    version=VERSION,
    description=(
        "Self-hosted PinBridge-compatible API. Authenticate with an API key (`x-api-key`, or "
        "`Authorization: Bearer pb_…`) or with the bearer token `POST /v1/auth/login` returns. "
        "Errors are `{\"detail\": {\"message\", \"code\"}, \"error\": {…, \"request_id\"}}`."
    ),
    urls_namespace="v1",
    auth=API_AUTH,
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)

for prefix, router in ROUTERS:
    api.add_router(prefix, router)
