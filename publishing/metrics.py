"""Prometheus metrics at ``/metrics``, computed at scrape time from the shared stores.

Pinboard runs several web nodes and worker processes; counters kept in one process would differ
from node to node and reset on every restart. So every value here is read, when scraped, from
what all processes share: the database (pins, publish attempts, stuck work, the ORM broker's
queue) and Redis (the Redis broker's queues). Any node answers the same, and a scrape costs a
constant number of queries whatever the data volume (aggregates only, never rows).

Recent activity ("in the last METRICS_WINDOW_SECONDS") is a gauge over that window: the publish
latency is a gauge histogram (Prometheus' type for a distribution that is not a running total),
and Pinterest calls by outcome are gauges of the window, not counters.

Access: a bearer token (METRICS_TOKEN) and/or an IP allow-list (METRICS_ALLOWED_IPS); every guard
configured must pass. With neither, /metrics answers 404: it is off.
"""

from __future__ import annotations

import hmac
import ipaddress
from datetime import timedelta

import redis
from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_q.models import OrmQ
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeHistogramMetricFamily, GaugeMetricFamily

from publishing.models import Pin, PinStatus, PublishAttempt
from publishing.services.operations import stuck_work_querysets

# Seconds from a pin's creation to its publication: from "immediately" to "hours of backoff".
LATENCY_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600)
REDIS_TIMEOUT_SECONDS = 2


def queue_names() -> list[str]:
    """The django-q2 queues: one per cluster (the broker's list key is the cluster's name)."""
    names = [settings.Q_CLUSTER["name"], *settings.Q_CLUSTER.get("ALT_CLUSTERS", {})]
    return list(dict.fromkeys(names))


class PinboardCollector:
    """Reads every metric from the shared stores on each scrape (see the module docstring)."""

    def collect(self):
        now = timezone.now()
        since = now - timedelta(seconds=settings.METRICS_WINDOW_SECONDS)
        window = f"in the last {settings.METRICS_WINDOW_SECONDS} s"
        yield self.pins_by_status()
        yield self.queue_depth()
        yield self.publish_latency(since, window)
        yield from self.pinterest_calls(since, window)
        yield self.rate_limit_waits()
        yield self.stuck_work(now)

    @staticmethod
    def pins_by_status() -> GaugeMetricFamily:
        family = GaugeMetricFamily("pinboard_pins", "Pins (not deleted) by status.", labels=["status"])
        counts = dict(Pin.objects.filter(deleted_at__isnull=True).order_by().values_list("status")
                      .annotate(n=Count("id")).values_list("status", "n"))
        for status in PinStatus.values:
            family.add_metric([status], counts.get(status, 0))
        return family

    @staticmethod
    def queue_depth() -> GaugeMetricFamily:
        family = GaugeMetricFamily("pinboard_queue_depth",
                                   "Jobs waiting or running in each django-q2 queue (Redis: including delayed jobs).",
                                   labels=["queue"])
        names = queue_names()
        if settings.REDIS_URL:
            client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                                          socket_timeout=REDIS_TIMEOUT_SECONDS)
            try:
                pipe = client.pipeline(transaction=False)
                for name in names:
                    pipe.llen(name)
                    pipe.zcard(f"{name}:delayed")  # publishing.brokers.RedisBroker's timed jobs
                sizes = pipe.execute()
            finally:
                client.close()
            for index, name in enumerate(names):
                family.add_metric([name], sizes[2 * index] + sizes[2 * index + 1])
        else:
            counts = dict(OrmQ.objects.order_by().values_list("key").annotate(n=Count("id")).values_list("key", "n"))
            for name in dict.fromkeys([*names, *counts]):
                family.add_metric([name], counts.get(name, 0))
        return family

    @staticmethod
    def publish_latency(since, window: str) -> GaugeHistogramMetricFamily:
        latency = ExpressionWrapper(F("published_at") - F("created_at"), output_field=DurationField())
        aggregates = {f"le_{bound}": Count("id", filter=Q(latency__lte=timedelta(seconds=bound)))
                      for bound in LATENCY_BUCKETS}
        row = (Pin.objects.filter(published_at__gte=since).annotate(latency=latency)
               .aggregate(total=Count("id"), latency_sum=Sum("latency"), **aggregates))
        buckets = [(str(float(bound)), row[f"le_{bound}"]) for bound in LATENCY_BUCKETS]
        buckets.append(("+Inf", row["total"]))
        total_seconds = row["latency_sum"].total_seconds() if row["latency_sum"] else 0.0
        return GaugeHistogramMetricFamily(
            "pinboard_publish_latency_seconds",
            f"Seconds from a pin's creation to its publication, for pins published {window}.",
            buckets=buckets, gsum_value=total_seconds)

    @staticmethod
    def pinterest_calls(since, window: str):
        outcomes = GaugeMetricFamily("pinboard_pinterest_calls",
                                     f"Calls to Pinterest (publish attempts) started {window}, by outcome.",
                                     labels=["outcome"])
        aggregates = {outcome: Count("id", filter=Q(outcome=outcome)) for outcome in PublishAttempt.Outcome.values}
        row = PublishAttempt.objects.filter(started_at__gte=since).aggregate(
            rate_limited=Count("id", filter=Q(http_status=429)), **aggregates)
        for outcome in PublishAttempt.Outcome.values:
            outcomes.add_metric([outcome], row[outcome])
        yield outcomes
        yield GaugeMetricFamily("pinboard_pinterest_rate_limited_calls",
                                f"Calls to Pinterest answered 429 (rate limited) {window}.", value=row["rate_limited"])

    @staticmethod
    def rate_limit_waits() -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            "pinboard_rate_limit_waiting_pins",
            "Pins deferred now because of a rate limit (our publishing pace or Pinterest's 429).")
        family.add_metric([], Pin.objects.filter(status=PinStatus.DEFERRED, error_code="rate_limited",
                                                 deleted_at__isnull=True).count())
        return family

    @staticmethod
    def stuck_work(now) -> GaugeMetricFamily:
        family = GaugeMetricFamily("pinboard_stuck_work",
                                   "Work that should have moved by now and did not (manage.py stuck_work).",
                                   labels=["kind"])
        for kind, queryset in stuck_work_querysets(now=now).items():
            family.add_metric([kind], queryset.order_by().count())
        return family


# A registry of our own: only the shared-store metrics, none of the per-process defaults that would
# differ from node to node.
REGISTRY = CollectorRegistry(auto_describe=False)
REGISTRY.register(PinboardCollector())


def _refusal(request) -> int | None:
    """None when every configured guard passes; else the status to answer (401 bad token, 403 bad IP)."""
    if settings.METRICS_TOKEN:
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(presented.strip().encode(),
                                                                  settings.METRICS_TOKEN.encode()):
            return 401
    if settings.METRICS_ALLOWED_IPS:
        # The direct peer: the allow-list is for scrapers on the private network, not through the proxy.
        try:
            peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return 403
        if not any(peer in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_IPS):
            return 403
    return None


@require_GET
def metrics_view(request):
    if not settings.METRICS_TOKEN and not settings.METRICS_ALLOWED_IPS:
        raise Http404("Metrics are off (set METRICS_TOKEN or METRICS_ALLOWED_IPS).")
    refusal = _refusal(request)
    if refusal is not None:
        response = HttpResponse("Unauthorized\n" if refusal == 401 else "Forbidden\n", status=refusal,
                                content_type="text/plain")
        if refusal == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
