"""The import page: a CSV or JSON file becomes an import job (services/imports.py, as /v1's imports),
whose page shows progress while it runs and then each row's result; a bad file is an inline error."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from publishing.models import ImportJob, Pin, Schedule
from publishing.services.imports import pin_import_run

HTMX = {"HTTP_HX_REQUEST": "true"}


def upload(client, name: str, content: bytes):
    return client.post("/app/pins/imports/", {"file": SimpleUploadedFile(name, content)})


def rows_of(html: str) -> list[tuple[str, str]]:
    """(row number, result text) for each row of the results table."""
    found = re.findall(r'<tr id="import-row-(\d+)" class="import-\w+">\s*<td>\d+</td>\s*<td>[^<]*</td>'
                       r'\s*<td>([^<]+)</td>', html)
    return [(number, text.strip()) for number, text in found]


def import_and_run(client, name, content):
    response = upload(client, name, content)
    assert response.status_code == 302, response.content.decode()[:3000]
    job = ImportJob.objects.get()
    assert response["Location"] == f"/app/pins/imports/{job.public_id}/"
    waiting = client.get(response["Location"]).content.decode()
    assert f'hx-get="/app/pins/imports/{job.public_id}/"' in waiting and "0 of" in waiting  # polls while queued
    assert pin_import_run(job.pk) in ("completed", "completed_with_errors")  # the task a worker runs
    return job, client.get(response["Location"]).content.decode()


def test_a_csv_import_shows_each_row_created_replayed_or_failed_with_its_field(cast, login, offline_account,
                                                                               offline_board):
    head = "account_id,board_id,title,image_url,idempotency_key,related_terms\n"
    line = f"{offline_account.public_id},{offline_board.pinterest_board_id}"
    csv = (head + f"{line},Chair,https://images.example.com/c.jpg,csv-1,\"oak, red\"\n"
           f"{line},,https://images.example.com/d.jpg,csv-2,\n"
           f"{line},Chair,https://images.example.com/c.jpg,csv-1,\"oak, red\"\n")
    job, html = import_and_run(login(cast.editor), "pins.csv", csv.encode())
    assert rows_of(html) == [("1", "✓ created"), ("2", "✗ error"), ("3", "↺ replayed (imported before)")]
    row_2 = re.search(r'<tr id="import-row-2".*?</tr>', html, re.S).group(0)
    assert "title" in row_2 and 'class="field-error"' in row_2
    assert "Completed with errors: 1 created, 1 replayed, 1 with errors, of 3 rows." in html
    assert "hx-get" not in re.search(r'<section id="import-progress".*?>', html, re.S).group(0)  # polling stops
    assert Pin.objects.get(idempotency_key="csv-1").related_terms == ["oak", "red"]
    assert job.source_filename == "pins.csv" and job.created_by == cast.editor


def test_a_json_import_makes_pins_and_schedules_and_fails_bad_rows_on_their_own(cast, login, offline_account,
                                                                                 offline_board):
    row = {"account_id": str(offline_account.public_id), "board_id": offline_board.pinterest_board_id,
           "image_url": "https://images.example.com/a.jpg"}
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    rows = [{**row, "title": "Now", "idempotency_key": "j-1"}, {**row, "title": "Later", "idempotency_key": "j-2",
                                                               "run_at": later},
            {**row, "title": "No key"}, "not an object"]
    client = login(cast.editor)
    _, html = import_and_run(client, "pins.json", json.dumps(rows).encode())
    assert [text for _, text in rows_of(html)] == ["✓ created", "✓ created", "✗ error", "✗ error"]
    assert "idempotency_key" in re.search(r'<tr id="import-row-3".*?</tr>', html, re.S).group(0)
    assert "A row must be an object." in html
    assert Schedule.objects.filter(idempotency_key="j-2").exists() and "/app/calendar/schedules/" in html
    partial = client.get(f"/app/pins/imports/{ImportJob.objects.get().public_id}/", **HTMX).content.decode()
    assert partial.strip().startswith('<section id="import-progress"') and "<html" not in partial


@pytest.mark.parametrize(("name", "content", "message"), [
    ("pins.csv", b"title,colour\nChair,red\n", "Unknown CSV columns: colour"),
    ("pins.csv", b"title\n\xff\xfe\n", "must be UTF-8"),
    ("pins.csv", b"", "The submitted file is empty."),
    ("pins.csv", b"\n", "no header line"),
    ("pins.csv", b"title,idempotency_key\nA\x00,k\n", "NUL"),
    ("pins.json", b"{not json", "cannot be read"),
    ("pins.json", b'{"title": "an object"}', "must hold an array"),
    ("pins.json", b"[]", "The import has no rows."),
    ("pins.json", b'[{"title": "a\\u0000b"}]', "NUL"),
    ("pins.json", b"[" * 100_000, "JSON file"),
    ("pins.txt", b"title\nChair\n", "Choose a .csv or a .json file"),
])
def test_a_bad_file_is_an_inline_error_and_no_import(cast, login, name, content, message):
    response = upload(login(cast.editor), name, content)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert not ImportJob.objects.exists()


def test_no_file_is_an_inline_error(cast, login):
    response = login(cast.editor).post("/app/pins/imports/", {})
    assert response.status_code == 422 and "This field is required." in response.content.decode()


def test_the_examples_import_as_they_are(cast, login, offline_account, offline_board):
    client = login(cast.editor)
    for fmt in ("csv", "json"):
        example = client.get(f"/app/pins/imports/example.{fmt}")
        assert example.status_code == 200
        assert f'filename="pinboard-import-example.{fmt}"' in example["Content-Disposition"]
        assert str(offline_account.public_id) in example.content.decode()
        ImportJob.objects.all().delete()
        Schedule.objects.all().delete()
        Pin.objects.all().delete()
        _, html = import_and_run(client, f"example.{fmt}", example.content)
        assert [text for _, text in rows_of(html)] == ["✓ created", "✓ created"], html


def test_viewers_may_not_import_and_other_teams_imports_are_hidden(cast, login, offline_account, offline_board):
    assert login(cast.viewer).get("/app/pins/imports/").status_code == 403
    upload(login(cast.editor), "pins.json", b'[{"title": "x"}]')
    job = ImportJob.objects.get()
    assert login(cast.outsider).get(f"/app/pins/imports/{job.public_id}/").status_code == 404
    assert login(cast.viewer).get(f"/app/pins/imports/{job.public_id}/").status_code == 200
    assert "pins.json" in login(cast.editor).get("/app/pins/imports/").content.decode()


def test_while_the_worker_runs_each_poll_sends_only_the_latest_rows(cast, login, offline_account, offline_board,
                                                                     settings):
    row = {"account_id": str(offline_account.public_id), "board_id": offline_board.pinterest_board_id,
           "image_url": "https://images.example.com/a.jpg", "title": "T"}
    client = login(cast.editor)
    upload(client, "many.json", json.dumps([{**row, "idempotency_key": f"m-{n}"} for n in range(60)]).encode())
    job = ImportJob.objects.get()
    settings.PIN_IMPORT_TASK_SECONDS = 0  # one row, then the run hands over (as a long import does)
    for _ in range(55):
        assert pin_import_run(job.pk) == "continued"
    polled = client.get(f"/app/pins/imports/{job.public_id}/", **HTMX).content.decode()
    assert len(rows_of(polled)) == 50 and rows_of(polled)[0][0] == "6" and "hx-get" in polled
    assert "The latest 50 rows so far" in polled
