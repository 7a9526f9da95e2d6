"""manage.py rotate_encryption_key: every stored secret moves to the newest FIELD_ENCRYPTION_KEY."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from publishing.models import PinterestAccount, Webhook, Workspace

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def rotate(*args) -> str:
    out = StringIO()
    call_command("rotate_encryption_key", *args, stdout=out)
    return out.getvalue()


def raw_column(model, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} ORDER BY id")
        return [value for (value,) in cursor.fetchall()]


@pytest.fixture
def secrets_under_old_key(cast, settings):
    settings.FIELD_ENCRYPTION_KEY = OLD
    workspace = cast.team.workspaces.get(environment=Workspace.Environment.SANDBOX)
    for number in range(3):
        PinterestAccount.objects.create(workspace=workspace, pinterest_user_id=f"10{number}", username=f"acct{number}",
                                        access_token=f"pina_access_{number}", refresh_token=f"pinr_refresh_{number}")
    PinterestAccount.objects.create(workspace=workspace, pinterest_user_id="199", username="no_refresh",
                                    access_token="pina_access_lone")  # an empty refresh_token stays empty
    Webhook.objects.create(workspace=workspace, url="https://hooks.example.com/a", secret="whsec_" + "a" * 20)
    Webhook.objects.create(workspace=workspace, url="https://hooks.example.com/b", secret="whsec_" + "b" * 20)
    return workspace


def test_rotation_moves_every_secret_to_the_new_key_so_the_old_key_can_be_dropped(secrets_under_old_key, settings):
    settings.FIELD_ENCRYPTION_KEY = f"{NEW},{OLD}"
    output = rotate("--batch-size", "2")  # several batches per column

    assert "publishing.PinterestAccount.access_token: re-encrypted 4, already current 0" in output
    assert "publishing.PinterestAccount.refresh_token: re-encrypted 3, already current 0" in output
    assert "publishing.Webhook.secret: re-encrypted 2, already current 0" in output
    for secret in ("pina_access", "pinr_refresh", "whsec_"):
        assert secret not in output
    new_only = Fernet(NEW)
    for value in raw_column(PinterestAccount, "access_token") + raw_column(Webhook, "secret"):
        new_only.decrypt(value.encode())  # raises if any value still needs the old key
    assert "" in raw_column(PinterestAccount, "refresh_token")

    settings.FIELD_ENCRYPTION_KEY = NEW
    accounts = {a.username: (a.access_token, a.refresh_token) for a in PinterestAccount.objects.all()}
    assert accounts == {"acct0": ("pina_access_0", "pinr_refresh_0"), "acct1": ("pina_access_1", "pinr_refresh_1"),
                        "acct2": ("pina_access_2", "pinr_refresh_2"), "no_refresh": ("pina_access_lone", "")}
    assert sorted(Webhook.objects.values_list("secret", flat=True)) == ["whsec_" + "a" * 20, "whsec_" + "b" * 20]


def test_rotation_is_idempotent(secrets_under_old_key, settings):
    settings.FIELD_ENCRYPTION_KEY = f"{NEW},{OLD}"
    rotate()
    before = raw_column(PinterestAccount, "access_token")
    output = rotate()
    assert "Done: re-encrypted 0 secret(s)." in output
    assert "publishing.PinterestAccount.access_token: re-encrypted 0, already current 4" in output
    assert raw_column(PinterestAccount, "access_token") == before


def test_dry_run_counts_and_writes_nothing(secrets_under_old_key, settings):
    settings.FIELD_ENCRYPTION_KEY = f"{NEW},{OLD}"
    before = raw_column(Webhook, "secret")
    assert "Done: would re-encrypt 9 secret(s)." in rotate("--dry-run")
    assert raw_column(Webhook, "secret") == before


def test_a_secret_no_configured_key_reads_fails_the_command_without_losing_it(secrets_under_old_key, settings):
    settings.FIELD_ENCRYPTION_KEY = NEW  # the old key was dropped before rotating
    before = raw_column(Webhook, "secret")
    with pytest.raises(CommandError, match="9 stored secret"):
        rotate()
    assert raw_column(Webhook, "secret") == before
