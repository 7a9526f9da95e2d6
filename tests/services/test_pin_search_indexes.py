"""Migration 0007: trigram GIN indexes behind the pins text search on PostgreSQL, nothing on SQLite."""

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from publishing.models import Pin

MIGRATION = "0007_pin_search_trigram_indexes"
INDEXES = {"title": "pin_title_trgm_idx", "description": "pin_description_trgm_idx",
           "link_url": "pin_link_url_trgm_idx"}

pytestmark = pytest.mark.django_db


def test_the_migration_is_applied():
    assert MigrationRecorder.Migration.objects.filter(app="publishing", name=MIGRATION).exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.parametrize("column", sorted(INDEXES))
def test_icontains_can_use_the_trigram_index(column):
    """The index expression must be exactly what Django's ``icontains`` compiles to
    (``UPPER(col::text) LIKE UPPER(...)``), or PostgreSQL never picks it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'publishing_pin' AND indexname = %s",
                       [INDEXES[column]])
        [(definition,)] = cursor.fetchall()
        assert "USING gin" in definition and "gin_trgm_ops" in definition
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny test tables: make the planner show its options
        plan = Pin.objects.filter(**{f"{column}__icontains": "walnut"}).explain()
    assert INDEXES[column] in plan


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_sqlite_has_no_trigram_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'publishing_pin'")
        names = {name for (name,) in cursor.fetchall()}
    assert names and not names & set(INDEXES.values())
