"""Reads that group rows by day (the calendar's): by the database's conversion to a zone, or each
day given as its [start, end) instants."""

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, tzinfo

from django.db import connections, models
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber, TruncDate

DayBounds = Mapping[date, tuple[datetime, datetime]]  # each day: [its local midnight, the next one)
# Bounds no day has, compiled into a day's read and then replaced by each day's own.
_START, _END = datetime(1, 1, 2, tzinfo=UTC), datetime(1, 1, 3, tzinfo=UTC)


class LocalDayReads(models.QuerySet):
    def first_of_each_local_day(self, field: str, *, zone: tzinfo, limit: int) -> models.QuerySet:
        """(id, local day, that day's row count) of the first ``limit`` rows of each day in ``zone``,
        ordered by ``field`` then id. The day is the database's own time zone conversion, so days
        that DST makes 23 or 25 hours long keep their rows; one pass that numbers every row (sorts
        them all): the cheapest read for a few thousand rows, not for a hundred thousand."""
        day = TruncDate(field, tzinfo=zone)
        return (
            self.order_by()
            .annotate(local_day=day,
                      position=Window(RowNumber(), partition_by=[day], order_by=[F(field).asc(), F("id").asc()]),
                      day_total=Window(Count("id"), partition_by=[day]))
            .filter(position__lte=limit)
            .values_list("id", "local_day", "day_total")
        )

    def count_each_day(self, field: str, days: DayBounds, *, cap: int | None = None) -> dict[date, int]:
        """How many rows each day has, ``field`` in its bounds, counting at most ``cap`` (when given)
        of a day's rows: one range count per day (index only where an index leads with the filters
        and ``field``), in one query. With a cap, a day costs the same however many rows it has."""
        counts = self._each_day(field, days, "COUNT(*)", lambda rows: rows.order_by().values("pk")[:cap])
        return {day: total for day, total in counts}

    def first_of_each_day(self, field: str, days: DayBounds, *, limit: int) -> list[tuple[date, int]]:
        """(day, id) of each day's first ``limit`` rows by ``field`` then id: a range read of at most
        ``limit`` rows per day, however many the day has, in one query."""
        return self._each_day(field, days, "day_rows.id",
                              lambda rows: rows.order_by(field, "id").values("id")[:limit])

    def _each_day(self, field: str, days: DayBounds, column: str,
                  read: Callable[[models.QuerySet], models.QuerySet]) -> list[tuple[date, int]]:
        """(day, ``column``) from ``read`` of each day's rows: on PostgreSQL one read joined LATERAL to
        the list of the days' bounds (planned once), elsewhere one UNION ALL of per-day reads. Built
        by hand because Django's union() refuses LIMITed parts on SQLite (a part in FROM is allowed),
        and compiled once: the days differ only in their bounds' parameters (compiling a queryset per
        day cost 25 ms a query for a month)."""
        if not days:
            return []
        adapt = connections[self.db].ops.adapt_datetimefield_value
        rows = read(self.filter(**{f"{field}__gte": _START, f"{field}__lt": _END}))
        sql, template = rows.query.get_compiler(using=self.db).as_sql()
        bound_at = {index: which for index, param in enumerate(template)
                    for which, placeholder in enumerate((adapt(_START), adapt(_END))) if param == placeholder}
        if sorted(bound_at.values()) != [0, 1]:
            raise ValueError(f"The day's bounds are not parameters of {sql!r}")
        ordered = list(days)
        params: list = []
        if connections[self.db].vendor == "postgresql" and "%%" not in sql:
            # One read planned once, for each row of a list of the days' bounds (LATERAL): planning
            # a UNION of a month's per-day reads cost as much as running them.
            pieces = sql.split("%s")
            lateral = pieces[0]
            for index, piece in enumerate(pieces[1:]):
                if index in bound_at:
                    lateral += ("days.day_start", "days.day_end")[bound_at[index]]
                else:
                    lateral += "%s"
                    params.append(template[index])
                lateral += piece
            values = ", ".join(f"({number}, %s::timestamptz, %s::timestamptz)" for number in range(len(ordered)))
            for day in ordered:
                params += [adapt(bound) for bound in days[day]]
            query = (f"SELECT days.day_number, day_value.value FROM (VALUES {values}) AS days(day_number, "
                     f"day_start, day_end) CROSS JOIN LATERAL (SELECT {column} AS value FROM ({lateral}) AS day_rows) "
                     "AS day_value")
            # The days' bounds come after the read's own parameters in the text: put them first.
            own = len(template) - len(bound_at)
            params = params[own:] + params[:own]
        else:
            for day in ordered:
                bounds = [adapt(bound) for bound in days[day]]
                params += [bounds[bound_at[index]] if index in bound_at else param
                           for index, param in enumerate(template)]
            query = " UNION ALL ".join(f"SELECT {number} AS day_number, {column} FROM ({sql}) AS day_rows"
                                       for number in range(len(ordered)))
        with connections[self.db].cursor() as cursor:
            cursor.execute(query, params)
            return [(ordered[number], value) for number, value in cursor.fetchall()]
