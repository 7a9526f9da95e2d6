"""Importing pins from a file: the CSV or JSON that /v1's imports accept, run by the same job
(services/imports.py), with each row's result shown as the worker reaches it."""

import csv
import io
import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect

from publishing.access import team_context_or_404
from publishing.forms import PinImportForm
from publishing.lookups import import_for_workspace_or_404, imports_for
from publishing.models import Board, ImportJob
from publishing.services.errors import DomainError
from publishing.services.imports import (
    KNOWN_COLUMNS,
    pin_import_create,
    pin_import_rows_from_csv,
    pin_import_rows_from_json,
)
from publishing.views.common import add_domain_error, attempt, render_page

TEMPLATE = "publishing/imports/page.html"
RECENT_IMPORTS = 10
RUNNING = (ImportJob.Status.QUEUED, ImportJob.Status.PROCESSING)
RESULTS_WHILE_RUNNING = 50


@login_required
def pin_import(request):
    """The upload form and the recent imports; a valid file becomes an import job and its page."""
    ctx = team_context_or_404(request, "import.create")
    form = PinImportForm(request.POST, request.FILES) if request.method == "POST" else PinImportForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".json")):
            form.add_error("file", "Choose a .csv or a .json file (see the examples below).")
        else:
            source_type = "json" if name.endswith(".json") else "csv"
            read = pin_import_rows_from_json if source_type == "json" else pin_import_rows_from_csv
            job = attempt(lambda: pin_import_create(actor=ctx.actor, source_type=source_type, rows=read(upload),
                                                    source_filename=upload.name or ""))
            if isinstance(job, DomainError):
                add_domain_error(form, job)  # on "file", or (an empty import: "rows") above the form
            else:
                return redirect("pin_import_detail", public_id=job.public_id)
    recent = imports_for(ctx.actor).defer("rows", "results")[:RECENT_IMPORTS]
    return render_page(request, TEMPLATE, {"ctx": ctx, "form": form, "recent": recent},
                       status=422 if form.errors else 200)


@login_required
def pin_import_detail(request, public_id):
    """One import: its progress while the worker runs it (htmx polls the ``progress`` fragment until
    it ends), then each row's result."""
    ctx = team_context_or_404(request)
    job = import_for_workspace_or_404(ctx.actor, public_id)
    running = job.status in RUNNING
    # While the worker runs, each 2 s poll sends only the latest rows (an import has up to 5,000).
    shown = job.results[-RESULTS_WHILE_RUNNING:] if running else job.results
    return render_page(request, "publishing/imports/detail.html",
                       {"ctx": ctx, "job": job, "running": running, "shown_results": shown}, fragment="progress")


@login_required
def pin_import_example(request, file_format: str):
    """A file to start from, in the format chosen, with this workspace's first account and board."""
    ctx = team_context_or_404(request, "import.create")
    board = (Board.objects.filter(account__workspace=ctx.workspace, account__revoked_at__isnull=True,
                                  deleted_at__isnull=True).select_related("account").order_by("account_id", "name")
             .first())
    account_id = str(board.account.public_id) if board else "<your account id>"
    board_id = board.pinterest_board_id if board else "<your board id>"
    rows = [
        {"account_id": account_id, "board_id": board_id, "title": "A red chair", "description": "Oak and red lacquer.",
         "link_url": "https://shop.example.com/red-chair", "image_url": "https://images.example.com/red-chair.jpg",
         "alt_text": "A red lacquered oak chair", "idempotency_key": "red-chair-1"},
        {"account_id": account_id, "board_id": board_id, "title": "A blue lamp",
         "image_url": "https://images.example.com/blue-lamp.jpg", "idempotency_key": "blue-lamp-1",
         "run_at": "2030-01-15T09:00:00Z"},
    ]
    if file_format == "json":
        body, content_type = json.dumps(rows, indent=2) + "\n", "application/json"
    else:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=[c for c in KNOWN_COLUMNS if any(c in row for row in rows)])
        writer.writeheader()
        writer.writerows(rows)
        body, content_type = out.getvalue(), "text/csv"
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pinboard-import-example.{file_format}"'
    return response
