"""``values()`` pages and bounded counts of a filtered list, their SQL written once per shape of query.

Django compiles a QuerySet's SQL again on every call. For /v1/pins that was the largest part of the
request: about 1 ms of CPU for its page (26 columns over four joins, ordered, sliced) and 0.5 ms
for its count, where PostgreSQL answers both in less. A list that takes filters cannot write its
SQL once for good (``JoinedRead``), but its calls repeat a few shapes: the same filters given, the
same order and page bounds, other values. ``ShapedReads`` compiles only the WHERE clause on each
call (its parameters come from there, prepared by the lookups as usual) and keys the rest of the
statement by that clause's text and by everything else that shapes it (joins, order, slice,
columns). A shape seen before runs the SQL written for it with this call's parameters, on
PostgreSQL as a prepared statement of the connection (unless ``DATABASE_PREPARED_READS`` is off).
Nothing is cached but SQL text and plans: every call reads the rows.

One instance per call site: the key covers what a filtered, ordered and sliced list varies, not
every feature of a QuerySet. A statement whose parameters are not exactly its WHERE clause's (an
annotation with parameters, a subquery in the select list) is never kept.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from threading import Lock
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import QuerySet

from publishing.models.joined_reads import prepare_statements


@dataclass(frozen=True)
class _Statement:
    sql: str
    # Column position -> (converters, expression), as SQLCompiler.get_converters answers them.
    converters: dict[int, tuple[list[Callable[..., Any]], Any]]


class ShapedReads:
    def __init__(self, max_shapes: int = 256) -> None:
        self.max_shapes = max_shapes
        self._statements: dict[tuple[Any, ...], _Statement] = {}
        self._lock = Lock()

    def __len__(self) -> int:
        """How many shapes have their statement kept."""
        return len(self._statements)

    def clear(self) -> None:
        with self._lock:
            self._statements.clear()

    def values(self, queryset: QuerySet[Any], columns: Sequence[str], low: int, high: int) -> list[dict[str, Any]]:
        """``list(queryset.values(*columns)[low:high])``."""
        shape = self._shape(queryset, ("values", tuple(columns), low, high))
        if shape is None:
            return list(queryset.values(*columns)[low:high])
        key, params = shape
        statement = self._statements.get(key)
        if statement is None:
            compiler = queryset.values(*columns)[low:high].query.get_compiler(queryset.db)
            sql, compiled = compiler.as_sql()
            statement = _Statement(sql, compiler.get_converters([column for column, _, _ in compiler.select]))
            params = self._keep(key, statement, compiled, params)
        rows = self._run(queryset.db, statement, params)
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def count(self, queryset: QuerySet[Any], bound: int) -> int:
        """How many rows ``queryset`` has, counting no further than ``bound`` of them
        (``queryset.order_by()[:bound].count()``)."""
        unordered = queryset.order_by()
        shape = self._shape(unordered, ("count", bound))
        if shape is None:
            return unordered[:bound].count()
        key, params = shape
        statement = self._statements.get(key)
        if statement is None:
            inner, compiled = unordered.values("pk")[:bound].query.sql_with_params()
            statement = _Statement(f"SELECT COUNT(*) FROM ({inner}) counted", {})
            params = self._keep(key, statement, compiled, params)
        return int(self._run(queryset.db, statement, params)[0][0])

    def _shape(self, queryset: QuerySet[Any], call: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[Any, ...]] | None:
        """The key of the statement ``call`` makes of ``queryset``, and its parameters; None when its
        WHERE clause matches nothing or everything (the ORM handles those)."""
        query = queryset.query
        try:
            where, params = query.get_compiler(queryset.db).compile(query.where)
        except (EmptyResultSet, FullResultSet):
            return None
        joins = tuple((alias, join.table_name, getattr(join, "join_type", None), getattr(join, "parent_alias", None))
                      for alias, join in query.alias_map.items())
        key = (queryset.db, query.model, where, joins, tuple(query.order_by), tuple(query.extra_order_by),
               query.default_ordering, query.standard_ordering, query.low_mark, query.high_mark, query.distinct,
               tuple(query.distinct_fields), tuple(query.annotations), tuple(query.extra), query.combinator,
               query.group_by, call)
        return key, tuple(params)

    def _keep(self, key: tuple[Any, ...], statement: _Statement, compiled: Sequence[Any],
              params: tuple[Any, ...]) -> tuple[Any, ...]:
        """Keep a newly written statement for its shape when its parameters are its WHERE clause's;
        the parameters to run it with this time."""
        if tuple(compiled) != params:  # parameters outside the WHERE clause: this is not a shape
            return tuple(compiled)
        with self._lock:
            if len(self._statements) >= self.max_shapes:
                self._statements.pop(next(iter(self._statements)))  # the oldest shape
            self._statements[key] = statement
        return params

    @staticmethod
    def _run(using: str, statement: _Statement, params: tuple[Any, ...]) -> list[list[Any]]:
        connection = connections[using]
        with connection.cursor() as cursor:  # the health check, query logging, error mapping
            # Prepared, as JoinedRead's reads are: planning /v1/pins' page (four joins) was about
            # half of the 1.1 ms PostgreSQL spent on it.
            prepare_statements(connection, cursor)
            cursor.execute(statement.sql, params)
            rows = cursor.fetchall()
        if not statement.converters:
            return [list(row) for row in rows]
        converted = []
        for row in rows:
            values = list(row)
            for position, (converters, expression) in statement.converters.items():
                for converter in converters:
                    values[position] = converter(values[position], expression, connection)
            converted.append(values)
        return converted
