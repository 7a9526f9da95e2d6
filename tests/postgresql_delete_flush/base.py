"""PostgreSQL for the test suite (the product's backend, pinboard_site/postgresql), emptying tables
with DELETE instead of TRUNCATE between tests.

Every test that needs real transactions (the live server, a django-q2 cluster, the SDK over HTTP)
ends with Django's flush of every table. On PostgreSQL that is one TRUNCATE of ~50 tables, which
makes new files for each and took 2-3 s per test on the CI machine; DELETE of the few rows a test
wrote takes milliseconds. The semantics are the same for what the suite relies on: Django's foreign
keys are DEFERRABLE INITIALLY DEFERRED, so the order of the DELETEs does not matter inside the flush's
transaction, and sequences are left alone exactly as a TRUNCATE without RESTART IDENTITY leaves them.
With ``reset_sequences`` Django's own TRUNCATE ... RESTART IDENTITY is kept.
"""

from django.db.backends.postgresql import operations

from pinboard_site.postgresql import base


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables:
            return super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return ["SET CONSTRAINTS ALL DEFERRED;"] + [
            f"{style.SQL_KEYWORD('DELETE')} {style.SQL_KEYWORD('FROM')} {style.SQL_FIELD(self.quote_name(table))};"
            for table in tables
        ]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
