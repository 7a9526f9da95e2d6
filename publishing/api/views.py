"""The API's plain Django views: health probes, and 404 for unknown /v1 paths.

(``GET /`` lives in ``pinboard_site.views.root``: JSON for the SDK, a redirect for browsers.)"""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django_q.conf import Conf
from django_q.status import Stat

from pinboard_site.views import VERSION
from publishing.api.errors import error_payload, error_response


def _environment() -> str:
    return "development" if settings.DEBUG else "production"


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure means "not reachable"; the probe reports it
        return "unavailable"
    return "ok"


def _worker_status() -> str:
    """``ok`` when at least one django-q2 cluster published a heartbeat in the last seconds."""
    try:
        clusters = Stat.get_all()
    except Exception:  # noqa: BLE001 - an unreadable stats store means we cannot vouch for a worker
        return "unavailable"
    alive = [stat for stat in clusters if stat.status in (Conf.IDLE, Conf.WORKING)]
    return "ok" if alive else "unavailable"


def healthz(request):
    """Liveness: the process answers and the database is reachable."""
    database = _database_status()
    status = 200 if database == "ok" else 503
    return JsonResponse({"status": "ok" if status == 200 else "degraded", "version": VERSION,
                         "environment": _environment(), "checks": {"database": database}}, status=status)


def readyz(request):
    """Readiness: the database answers and a worker is there to run publishing jobs."""
    database, worker = _database_status(), _worker_status()
    body = {"status": "ready", "version": VERSION, "environment": _environment(), "database": database,
            "worker": worker}
    if database == "ok" and worker == "ok":
        return JsonResponse(body)
    problems = [name for name, state in (("database", database), ("worker", worker)) if state != "ok"]
    body["status"] = "not_ready"
    body.update(error_payload(request, 503, code="not_ready",
                              message=f"Not ready: {' and '.join(problems)} unavailable."))
    return JsonResponse(body, status=503)


def not_found(request, unmatched_path=""):
    """Any /v1 path no operation serves: a 404 in the API's error shape (never a slash redirect)."""
    return error_response(request, 404, code="not_found", message=f"No API route {request.method} {request.path}.")
