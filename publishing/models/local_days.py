"""Reads that group rows by their day in a team's time zone, in SQL (the calendar's)."""

from datetime import tzinfo

from django.db import models
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber, TruncDate


class LocalDayReads(models.QuerySet):
    def first_of_each_local_day(self, field: str, *, zone: tzinfo, limit: int) -> models.QuerySet:
        """(id, local day, that day's row count) of the first ``limit`` rows of each day in ``zone``,
        ordered by ``field`` then id. The day is the database's own time zone conversion, so days
        that DST makes 23 or 25 hours long keep their rows; one pass over the rows, however many."""
        day = TruncDate(field, tzinfo=zone)
        return (
            self.order_by()
            .annotate(local_day=day,
                      position=Window(RowNumber(), partition_by=[day], order_by=[F(field).asc(), F("id").asc()]),
                      day_total=Window(Count("id"), partition_by=[day]))
            .filter(position__lte=limit)
            .values_list("id", "local_day", "day_total")
        )
