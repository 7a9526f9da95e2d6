"""/v1/pins/imports: JSON and CSV imports processed by a real worker, with per-row results."""

from datetime import UTC, datetime, timedelta

import pytest
from pinbridge_sdk.errors import NotFoundError, ValidationError
from pinbridge_sdk.models import PinImportCreate

from publishing.models import Pin, Schedule
from tests.pipeline_fixtures import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def finished(client, job_id):
    return wait_for(lambda: (job := client.pins.get_import(job_id)).status.value not in ("queued", "processing")
                    and job, timeout=60, interval=0.3, message="the import to finish")


def test_json_import_creates_pins_and_schedules_with_a_result_per_row(login, cast, account, board, worker):
    client = login(cast.admin)
    row = {"account_id": account.public_id, "board_id": board.pinterest_board_id,
           "image_url": "https://images.example.com/a.jpg"}
    job = client.pins.import_json([
        PinImportCreate(**row, title="Now", idempotency_key="row-1"),
        PinImportCreate(**row, title="Later", idempotency_key="row-2", run_at=datetime.now(UTC) + timedelta(days=1)),
        {**{k: str(v) for k, v in row.items()}, "title": "No key"},
        PinImportCreate(**row, title="Now", idempotency_key="row-1"),
    ])
    assert job.source_type.value == "json" and job.total_rows == 4
    done = finished(client, job.id)
    assert done.status.value == "completed_with_errors"
    assert (done.created_rows, done.existing_rows, done.failed_rows, done.processed_rows) == (2, 1, 1, 4)
    statuses = [(r.row_number, r.status) for r in done.results]
    assert statuses == [(1, "created"), (2, "created"), (3, "failed"), (4, "existing")]
    assert done.results[1].schedule_id and Schedule.objects.count() == 1
    assert done.results[2].error_code and "idempotency_key" in done.results[2].error_message
    assert Pin.objects.filter(source=Pin.Source.IMPORT).count() == 1
    assert [j.id for j in client.pins.list_imports(source_type="json")] == [job.id]
    assert client.pins.list_imports(status="queued") == []


def test_csv_import(keyed, account, board, worker):
    client = keyed()
    csv = ("account_id,board_id,title,image_url,idempotency_key,related_terms\n"
           f"{account.public_id},{board.pinterest_board_id},Chair,https://images.example.com/c.jpg,csv-1,\"oak, red\"\n"
           f"{account.public_id},{board.pinterest_board_id},,https://images.example.com/d.jpg,csv-2,\n")
    job = client.pins.import_csv(csv.encode(), filename="pins.csv")
    assert job.source_filename == "pins.csv" and job.total_rows == 2
    done = finished(client, job.id)
    assert [r.status for r in done.results] == ["created", "failed"]
    assert "title" in done.results[1].error_message
    assert Pin.objects.get(idempotency_key="csv-1").related_terms == ["oak", "red"]


def test_a_csv_that_cannot_be_read_is_refused_at_once(client):
    with pytest.raises(ValidationError) as unknown_column:
        client.pins.import_csv(b"title,colour\nChair,red\n", filename="pins.csv")
    assert unknown_column.value.code == "unknown_columns"
    with pytest.raises(ValidationError) as not_utf8:
        client.pins.import_csv(b"title\n\xff\xfe\n", filename="pins.csv")
    assert not_utf8.value.code == "invalid_encoding"


def test_an_outsider_cannot_see_an_import(keyed, outsider_client, account, board):
    job = keyed().pins.import_json([{"account_id": str(account.public_id), "board_id": board.pinterest_board_id,
                                     "title": "x", "image_url": "https://images.example.com/x.jpg",
                                     "idempotency_key": "x"}])
    with pytest.raises(NotFoundError):
        outsider_client.pins.get_import(job.id)
    assert outsider_client.pins.list_imports() == []


def test_an_import_longer_than_one_task_hands_its_remaining_rows_to_a_fresh_run(keyed, account, board, settings,
                                                                                start_cluster):
    """django-q2 kills a task at its timeout (90 s) and never reruns it; 5000 rows take minutes."""
    from publishing.models import ImportJob
    from publishing.services.imports import pin_import_run

    settings.PIN_IMPORT_TASK_SECONDS = 0  # runs in this process stop after one row
    client = keyed()
    job = client.pins.import_json([
        PinImportCreate(account_id=account.public_id, board_id=board.pinterest_board_id, title=f"Row {n}",
                        image_url="https://images.example.com/a.jpg", idempotency_key=f"long-{n}")
        for n in range(3)])
    stored = ImportJob.objects.get(public_id=job.id)
    assert pin_import_run(stored.pk) == "continued"
    stored.refresh_from_db()
    assert (stored.status, len(stored.results), stored.lease_expires_at) == ("queued", 1, None)
    start_cluster()  # the worker (default time budget) runs what is queued: the rest of the rows
    done = finished(client, job.id)
    assert done.status.value == "completed" and done.processed_rows == 3
    assert [r.row_number for r in done.results] == [1, 2, 3]
    assert ImportJob.objects.get(pk=stored.pk).started_at == stored.started_at  # when the first run began
    assert Pin.objects.filter(source=Pin.Source.IMPORT).count() == 3
