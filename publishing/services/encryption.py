"""Moving stored secrets to the newest FIELD_ENCRYPTION_KEY (Fernet key rotation).

Every ``EncryptedTextField`` column of every installed model is found from the model registry, so a
new encrypted column is rotated without touching this module. Ciphertexts are read and written as
raw column values (the field would decrypt on read and encrypt again on write), in primary-key
batches, one short transaction per batch. Each UPDATE is conditional on the ciphertext it read, so a
token refreshed meanwhile by a worker is never overwritten with a stale value. Values the newest key
already reads are left alone: a second run changes nothing. Nothing here logs or returns a secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from django.apps import apps
from django.db import connection, models, transaction

from publishing.crypto import EncryptedTextField, is_under_newest_key, reencrypt


@dataclass
class ColumnRotation:
    label: str  # "publishing.PinterestAccount.access_token"
    rotated: int = 0
    current: int = 0  # already under the newest key
    unreadable: int = 0  # no configured key decrypts it (a key was dropped too early)


@dataclass
class RotationReport:
    columns: list[ColumnRotation] = field(default_factory=list)

    @property
    def rotated(self) -> int:
        return sum(column.rotated for column in self.columns)

    @property
    def unreadable(self) -> int:
        return sum(column.unreadable for column in self.columns)


def encrypted_columns() -> list[tuple[type[models.Model], list[EncryptedTextField]]]:
    """(model, its EncryptedTextField fields) for every installed concrete model that has any."""
    found: list[tuple[type[models.Model], list[EncryptedTextField]]] = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            found.append((model, fields))
    return found


def stored_secrets_reencrypt(*, batch_size: int = 500, dry_run: bool = False) -> RotationReport:
    """Re-encrypt every stored secret under the newest key; returns counts per column."""
    report = RotationReport()
    quote = connection.ops.quote_name
    for model, fields in encrypted_columns():
        # A concrete field always has a column; Field types it optional for the fields that have none.
        table, pk = quote(model._meta.db_table), quote(cast(str, model._meta.pk.column))
        for fld in fields:
            column = quote(cast(str, fld.column))
            tally = ColumnRotation(f"{model._meta.label}.{fld.name}")
            report.columns.append(tally)
            last_pk = None
            while True:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        after = "" if last_pk is None else f"AND {pk} > %s "
                        # Table and column names are quoted above; every value is a parameter.
                        cursor.execute(
                            f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL AND {column} <> '' "
                            f"{after}ORDER BY {pk} LIMIT %s",
                            ([] if last_pk is None else [last_pk]) + [batch_size],
                        )
                        rows = cursor.fetchall()
                        for row_pk, ciphertext in rows:
                            if is_under_newest_key(ciphertext):
                                tally.current += 1
                                continue
                            try:
                                fresh = reencrypt(ciphertext)
                            except ValueError:
                                tally.unreadable += 1
                                continue
                            if not dry_run:
                                cursor.execute(
                                    f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s",
                                    [fresh, row_pk, ciphertext],
                                )
                                if cursor.rowcount != 1:
                                    continue  # changed meanwhile: the writer used the newest key already
                            tally.rotated += 1
                if len(rows) < batch_size:
                    break
                last_pk = rows[-1][0]
    return report
