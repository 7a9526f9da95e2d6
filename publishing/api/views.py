"""The API's plain Django views: health probes, and 404 for unknown /v1 paths.

(``GET /`` lives in ``pinboard_site.views.root``: JSON for the SDK, a redirect for browsers.)

- ``/healthz`` is liveness: the process answers. It touches nothing else, so an outage of the
  database never makes an orchestrator restart every healthy web process.
- ``/readyz`` is readiness of THIS node: its database and, when configured, its Redis (broker and
  pacing). It never looks at other machines (the workers have their own liveness check), so a web
  node is ready on any host as soon as its own dependencies answer.
"""

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from pinboard_site.views import VERSION
from publishing.api.errors import error_payload, error_response

# A probe must answer within the orchestrator's timeout even when Redis is unreachable.
REDIS_PROBE_TIMEOUT_SECONDS = 2


def _environment() -> str:
    return "development" if settings.DEBUG else "production"


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "not reachable"; the probe reports it
        return "unavailable"
    return "ok"


def _redis_urls() -> list[str]:
    """The Redis servers this node uses (broker, pacing), each once."""
    return list(dict.fromkeys(url for url in (settings.REDIS_URL, settings.PACING_REDIS_URL) if url))


def _redis_status(url: str) -> str:
    client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_PROBE_TIMEOUT_SECONDS,
                                  socket_timeout=REDIS_PROBE_TIMEOUT_SECONDS)
    try:
        client.ping()
    except Exception:  # any failure means "not reachable"; never echo the URL (it may hold a password)
        return "unavailable"
    finally:
        client.close()
    return "ok"


def healthz(request):
    """Liveness: the process answers (nothing else is checked; see /readyz)."""
    return JsonResponse({"status": "ok", "version": VERSION, "environment": _environment(),
                         "checks": {"process": "ok"}})


def readyz(request):
    """Readiness: this node's database answers, and its Redis when one is configured."""
    checks = {"database": _database_status()}
    urls = _redis_urls()
    if urls:
        statuses = [_redis_status(url) for url in urls]
        checks["redis"] = "ok" if all(status == "ok" for status in statuses) else "unavailable"
    body = {"status": "ready", "version": VERSION, "environment": _environment(), **checks}
    problems = [name for name, state in checks.items() if state != "ok"]
    if not problems:
        return JsonResponse(body)
    body["status"] = "not_ready"
    body.update(error_payload(request, 503, code="not_ready",
                              message=f"Not ready: {' and '.join(problems)} unavailable."))
    return JsonResponse(body, status=503)


def not_found(request, unmatched_path=""):
    """Any /v1 path no operation serves: a 404 in the API's error shape (never a slash redirect)."""
    return error_response(request, 404, code="not_found", message=f"No API route {request.method} {request.path}.")
