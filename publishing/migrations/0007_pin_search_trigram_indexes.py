"""Trigram GIN indexes for the pins text search (``q`` on the dashboard and ``/v1/pins``).

Django compiles ``icontains`` on PostgreSQL to ``UPPER(col::text) LIKE UPPER('%term%')``, so the
indexes are on ``UPPER(col)`` (an index on the bare column would not match that expression).
PostgreSQL only: SQLite has no GIN, so there this migration does nothing. The indexes are kept
out of ``Pin.Meta.indexes`` on purpose: SQLite rebuilds tables from the model state when a later
migration alters them, and would then try to create GIN indexes it cannot have.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

SEARCHED_COLUMNS = ("title", "description", "link_url")


def index_name(column: str) -> str:
    return f"pin_{column}_trgm_idx"


def add_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    TrigramExtension().database_forwards("publishing", schema_editor, None, None)
    # Written out rather than GinIndex(OpClass(Upper(...))): Django 5.2 renders that as
    # ``(UPPER("title") gin_trgm_ops)``, which PostgreSQL rejects (the operator class must
    # follow the parenthesised expression).
    for column in SEARCHED_COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(index_name(column))} ON publishing_pin "
            f"USING gin ((UPPER({schema_editor.quote_name(column)})) gin_trgm_ops)")


def remove_search_indexes(apps, schema_editor):
    # The extension stays: other database objects may have come to use it.
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in SEARCHED_COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index_name(column))}")


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0006_schedule_idempotency_and_approval"),
    ]

    operations = [
        migrations.RunPython(add_search_indexes, remove_search_indexes, elidable=False),
    ]
