"""An import acts for whoever created it: once that user or API key is deleted (not only revoked
or removed from the team), its remaining rows are not imported."""

import pytest

from publishing.access import Actor
from publishing.models import ApiKey, ImportJob, Pin
from publishing.services.imports import pin_import_create, pin_import_run
from publishing.services.keys import api_key_create
from tests.pipeline_fixtures import pin_payload


def _rows(account, board, *titles):
    return [pin_payload(account, board, title=title, idempotency_key=title) for title in titles]


def test_an_import_stops_when_its_creating_user_is_deleted(workspace, cast, offline_account, offline_board):
    creator = cast.manager
    job = pin_import_create(actor=Actor.for_user(creator, workspace), source_type="json",
                            rows=_rows(offline_account, offline_board, "First", "Second"))
    creator.delete()
    assert pin_import_run(job.pk) == ImportJob.Status.FAILED
    job.refresh_from_db()
    assert "deleted" in job.error_message and job.results == [] and not Pin.objects.exists()


def test_an_import_stops_when_its_creating_key_is_deleted(workspace, offline_account, offline_board):
    key = api_key_create(actor=Actor.system(workspace, job="test"), name="importer", scopes=["read", "write"]).key
    job = pin_import_create(actor=Actor.for_key(key), source_type="json",
                            rows=_rows(offline_account, offline_board, "First"))
    ApiKey.objects.filter(pk=key.pk).delete()
    assert pin_import_run(job.pk) == ImportJob.Status.FAILED
    job.refresh_from_db()
    assert "deleted" in job.error_message and not Pin.objects.exists()


def test_the_same_import_runs_while_its_creator_exists(workspace, cast, offline_account, offline_board):
    job = pin_import_create(actor=Actor.for_user(cast.manager, workspace), source_type="json",
                            rows=_rows(offline_account, offline_board, "First"))
    assert pin_import_run(job.pk) == ImportJob.Status.COMPLETED


def test_an_import_without_a_creator_is_refused(workspace, offline_account, offline_board):
    with pytest.raises(ValueError):
        pin_import_create(
            actor=Actor.system(workspace, job="test"),
            source_type="json",
            rows=_rows(offline_account, offline_board, "x"),
        )
