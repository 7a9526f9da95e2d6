"""The /v1 API object: the PinBridge REST API that the official ``pinbridge-sdk`` drives unmodified."""

from ninja import NinjaAPI

from pinboard_site.views import VERSION
from publishing.api.errors import install_error_handlers
from publishing.api.routers import ROUTERS
from publishing.api.security import API_AUTH

api = NinjaAPI(
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
