"""Reads that group rows by day (the calendar's): by the database's conversion to a zone, or each
day given as its [start, end) instants."""

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, tzinfo

from django.db import connections, models
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber, TruncDate

DayBounds = Mapping[date, tuple[datetime, datetime]]  # each day: [its local midnight, the next one)
# Bounds no day has, compiled into a day's read and then replaced by each day's own.
_START, _END = datetime(1, 1, 2, tzinfo=UTC), datetime(1, 1, 3, tzinfo=UTC)


class LocalDayReads(models.QuerySet):
    def first_of_each_local_day(self, field: str, *, zone: tzinfo, limit: int,
                                columns: Sequence[str]) -> models.QuerySet:
        """(local day, that day's row count, *``columns``) of the first ``limit`` rows of each day in
        ``zone``, ordered by ``field`` then id. The day is the database's own time zone conversion, so
        days that DST makes 23 or 25 hours long keep their rows; one pass that numbers every row
        (sorts them all): the cheapest read for a few thousand rows, not for a hundred thousand."""
        day = TruncDate(field, tzinfo=zone)
        return (
            self.order_by()
            .annotate(local_day=day,
                      position=Window(RowNumber(), partition_by=[day], order_by=[F(field).asc(), F("id").asc()]),
                      day_total=Window(Count("id"), partition_by=[day]))
            .filter(position__lte=limit)
            .values_list("local_day", "day_total", *columns)
        )

    def first_of_each_day(self, field: str, days: DayBounds, *, limit: int, cap: int,
                          columns: Sequence[str]) -> list[tuple[date, int, tuple]]:
        """(day, its row count up to ``cap``, ``columns`` of one of its first ``limit`` rows by
        ``field`` then id) for each such row, ``field`` in the day's bounds; a day without rows has
        none. Per day, a range count of at most ``cap`` rows (index only where an index leads with
        the filters and ``field``) and a range read of at most ``limit`` rows, however many the day
        has: one query for every day, counts and rows together."""
        if not days:
            return []
        connection = connections[self.db]
        counted = _DayRead(self.filter(**self._bounded(field)).order_by().values("pk")[:cap], self.db)
        shown = _DayRead(self.filter(**self._bounded(field)).order_by(field, "id").values_list(*columns)[:limit],
                         self.db)
        ordered = list(days)
        bounds = [[shown.adapt(bound) for bound in days[day]] for day in ordered]
        if connection.vendor == "postgresql" and counted.lateral_ready and shown.lateral_ready:
            # One read planned once, for each of the days' bounds (LATERAL): planning a UNION of a
            # month's per-day reads cost as much as running them. The rows' read refers to the
            # count, so the count runs once a day, before it (and not at all for an empty day). The
            # bounds are two arrays: a short statement with few parameters, which psycopg parses
            # once per process (one parameter per bound was parsed again on every call).
            count_sql, count_params = counted.lateral()
            rows_sql, rows_params = shown.lateral()
            # (WITH ORDINALITY counts from 1.)
            query = ("SELECT days.day_number - 1, day_count.value, day_rows.* FROM unnest(%s::timestamptz[], "
                     "%s::timestamptz[]) WITH ORDINALITY AS days(day_start, day_end, day_number) CROSS JOIN LATERAL "
                     f"(SELECT COUNT(*) AS value FROM ({count_sql}) AS counted) AS day_count CROSS JOIN LATERAL "
                     f"(SELECT * FROM ({rows_sql}) AS first_rows WHERE day_count.value > 0) AS day_rows")
            params = [[start for start, _end in bounds], [end for _start, end in bounds], *count_params, *rows_params]
        else:
            # Elsewhere one UNION ALL of per-day reads (a LIMITed part is allowed in FROM).
            query = " UNION ALL ".join(
                f"SELECT {number} AS day_number, (SELECT COUNT(*) FROM ({counted.sql}) AS counted) AS day_count, "
                f"first_rows.* FROM ({shown.sql}) AS first_rows" for number in range(len(ordered)))
            params = [param for pair in bounds for param in counted.params(pair) + shown.params(pair)]
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            return [(ordered[number], total, shown.convert(row)) for number, total, *row in cursor.fetchall()]

    @staticmethod
    def _bounded(field: str) -> dict:
        return {f"{field}__gte": _START, f"{field}__lt": _END}


class _DayRead:
    """One day's read compiled once with bounds no day has, each day then given its own bounds as
    parameters. Built by hand because Django's union() refuses LIMITed parts on SQLite, and compiled
    once: the days differ only in their bounds (compiling a queryset per day cost 25 ms a query for a
    month). ``convert`` turns a row of its columns into what the queryset itself would return."""

    def __init__(self, rows: models.QuerySet, using: str):
        self.connection = connections[using]
        self.adapt = self.connection.ops.adapt_datetimefield_value
        compiler = rows.query.get_compiler(using=using)
        self.sql, self.template = compiler.as_sql()
        self.bound_at = {index: which for index, param in enumerate(self.template)
                         for which, placeholder in enumerate((self.adapt(_START), self.adapt(_END)))
                         if param == placeholder}
        if sorted(self.bound_at.values()) != [0, 1]:
            raise ValueError(f"The day's bounds are not parameters of {self.sql!r}")
        self.converters = compiler.get_converters([expression for expression, _sql, _alias in compiler.select])
        self.lateral_ready = "%%" not in self.sql

    def params(self, bounds: list) -> list:
        """The parameters of one day's read, ``bounds`` its [start, end) as adapted."""
        return [bounds[self.bound_at[index]] if index in self.bound_at else param
                for index, param in enumerate(self.template)]

    def lateral(self) -> tuple[str, list]:
        """The read with the day's bounds taken from ``days.day_start`` and ``days.day_end``, and its
        other parameters."""
        pieces = self.sql.split("%s")
        sql, params = pieces[0], []
        for index, piece in enumerate(pieces[1:]):
            if index in self.bound_at:
                sql += ("days.day_start", "days.day_end")[self.bound_at[index]]
            else:
                sql += "%s"
                params.append(self.template[index])
            sql += piece
        return sql, params

    def convert(self, row: list) -> tuple:
        for index, (functions, expression) in self.converters.items():
            for function in functions:
                row[index] = function(row[index], expression, self.connection)
        return tuple(row)
