"""A read the API runs on every request, its SQL written once per process instead of on each call.

Compiling a QuerySet costs about 0.4 ms of CPU per query (``get_select``, ``get_order_by``, the
joins), more than PostgreSQL takes to answer an indexed lookup. ``JoinedRead`` selects one model and
the models it joins (a chain of forward foreign keys, or an explicit LEFT JOIN), builds its SQL
from the models' ``_meta`` the first time it runs, and turns each row into model instances with
``Model.from_db`` and the same database converters the ORM applies (SQLite's date-times, JSON).
A read whose rows only feed a JSON body (``/v1/auth/me``'s teams and workspaces) names its
``columns`` and takes plain tuples (``values``): building the model instances cost more than the
rest of that request's Python. Only for hot, fixed-shape reads; everything else goes through the ORM.

On PostgreSQL (unless ``DATABASE_PREPARED_READS`` is off) each read is a prepared statement of its
connection: PostgreSQL plans its joins once per connection instead of on every call. Django's own
queries stay unprepared (its client-side binding cursors never prepare).
"""

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connections, models

try:
    from django.db.backends.postgresql.base import ServerBindingCursor
except ImportError:  # no psycopg: SQLite only
    ServerBindingCursor = None


if ServerBindingCursor is not None:
    class PreparedCursor(ServerBindingCursor):
        """Server-side binding, every statement prepared (what a ``JoinedRead`` executes)."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

        def _maybe_prepare_gen(self, pgq, *, prepare=None, binary=None):
            # psycopg keeps the statement in ``_query`` only when it does not prepare it; Django's query
            # log (DEBUG, the tests' CaptureQueriesContext) reads it there.
            self._query = pgq
            return super()._maybe_prepare_gen(pgq, prepare=prepare, binary=binary)


def prepare_statements(connection: Any, cursor: Any) -> None:
    """On PostgreSQL (unless ``DATABASE_PREPARED_READS`` is off), make the Django cursor ``cursor``
    prepare what it executes: PostgreSQL then plans each statement once per connection."""
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_READS:
        return
    raw = connection.connection
    if raw.prepare_threshold is None:  # Django's default: psycopg prepares nothing by itself,
        raw.prepare_threshold = 2**31  # so only what is asked (prepare=True) is prepared
    cursor.cursor.close()
    cursor.cursor = PreparedCursor(raw)


@dataclass(frozen=True)
class Joined:
    """One table of the read: ``model`` under ``alias``, joined ``on`` (SQL), optional (LEFT JOIN)
    when ``outer``; ``attach`` names the attribute of the first model it is set on, or a path
    ``"workspace.team"`` (set on the object under that earlier alias). ``columns`` (attribute names)
    selects only those fields, in that order; every concrete field when empty."""

    model: type[models.Model]
    alias: str
    on: str = ""
    outer: bool = False
    attach: str = ""
    columns: tuple[str, ...] = ()

    def fields(self) -> list[models.Field]:
        if not self.columns:
            return list(self.model._meta.concrete_fields)
        by_attname = {each.attname: each for each in self.model._meta.concrete_fields}
        return [by_attname[name] for name in self.columns]


Read = TypeVar("Read", bound=models.Model)


@dataclass
class JoinedRead(Generic[Read]):
    tables: list[Joined]
    where: str  # SQL over the aliases, with %s placeholders
    order_limit: str = ""
    _sql: dict[str, tuple[str, list[Any]]] = field(default_factory=dict)
    _value_converters: dict[str, list[tuple[int, list[Any]]]] = field(default_factory=dict)

    def _compile(self, using: str):
        connection = connections[using]
        quote = connection.ops.quote_name
        columns: list[str] = []
        layout = []
        for table in self.tables:
            fields = table.fields()
            columns += [f"{table.alias}.{quote(f.column)}" for f in fields]
            converters = []
            for each in fields:
                column = each.get_col(table.alias)
                chain = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
                converters.append([(converter, column) for converter in chain])
            layout.append((table, [f.attname for f in fields], converters))
        first, *rest = self.tables
        joins = " ".join(f"{'LEFT OUTER JOIN' if t.outer else 'INNER JOIN'} {quote(t.model._meta.db_table)} "
                         f"{t.alias} ON {t.on}" for t in rest)
        sql = (f"SELECT {', '.join(columns)} FROM {quote(first.model._meta.db_table)} {first.alias} {joins} "
               f"WHERE {self.where} {self.order_limit}")
        self._sql[using] = (sql, layout)
        # For ``values``: only the positions with a converter (none on PostgreSQL for the usual fields).
        flat = [chain for _table, _attnames, converters in layout for chain in converters]
        self._value_converters[using] = [(index, chain) for index, chain in enumerate(flat) if chain]
        return self._sql[using]

    def first(self, params: list[Any], using: str = "default") -> Read | None:
        """The first row's first model, with the joined ones attached (None for an outer join that
        found nothing), or None when no row matches."""
        rows = self._rows(params, using, one=True)
        return rows[0] if rows else None

    def all(self, params: list[Any], using: str = "default") -> list[Read]:
        """Every row's first model, with the joined ones attached."""
        return self._rows(params, using, one=False)

    def values(self, params: list[Any], using: str = "default") -> list[tuple[Any, ...]]:
        """Every row as a tuple of its columns (each table's ``columns`` in turn), converted as the
        ORM converts them; no model instance is built. An outer join that found nothing gives Nones."""
        rows = self._fetch(params, using, one=False)
        converting = self._value_converters[using]
        if not converting:
            return rows
        connection = connections[using]
        converted = []
        for row in rows:
            values = list(row)
            for index, chain in converting:
                for converter, column in chain:
                    values[index] = converter(values[index], column, connection)
            converted.append(tuple(values))
        return converted

    def _rows(self, params: list[Any], using: str, one: bool) -> list[Read]:
        layout = (self._sql.get(using) or self._compile(using))[1]
        if any(table.columns for table in self.tables):  # an instance needs every field, its key first
            raise TypeError("a JoinedRead that names its columns gives values(), not model instances")
        connection = connections[using]
        return [self._objects(row, layout, using, connection) for row in self._fetch(params, using, one)]

    def _fetch(self, params: list[Any], using: str, one: bool) -> list[tuple[Any, ...]]:
        sql, _layout = self._sql.get(using) or self._compile(using)
        connection = connections[using]
        with connection.cursor() as cursor:  # the health check, query logging, error mapping
            prepare_statements(connection, cursor)
            cursor.execute(sql, params)
            return [row for row in [cursor.fetchone()] if row is not None] if one else cursor.fetchall()

    @staticmethod
    def _objects(row, layout, using, connection) -> Any:
        objects: dict[str, models.Model | None] = {}
        position = 0
        for table, attnames, converters in layout:
            values = list(row[position:position + len(attnames)])
            position += len(attnames)
            if table.outer and values[0] is None:  # the primary key: no row joined
                instance = None
            else:
                for index, chain in enumerate(converters):
                    for converter, column in chain:
                        values[index] = converter(values[index], column, connection)
                instance = table.model.from_db(using, attnames, values)
            objects[table.alias] = instance
            if table.attach:
                owner_alias, _, name = table.attach.rpartition(".")
                owner = objects[owner_alias or layout[0][0].alias]
                if owner is not None:
                    setattr(owner, name, instance)
        return objects[layout[0][0].alias]
