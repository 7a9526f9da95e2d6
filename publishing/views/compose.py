"""Compose: account → boards by htmx, upload with progress, live counters, publish or schedule."""

import uuid

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from publishing.access import team_context_or_404
from publishing.forms import AssetUploadForm, ComposeForm
from publishing.models import Asset, Board, Pin, PinterestAccount
from publishing.services.pins import pin_create
from publishing.services.schedules import schedule_create
from publishing.views.assets import upload_or_add_error
from publishing.views.common import render_page, submit, uuid_or_none

TEMPLATE = "publishing/compose/compose.html"
RECENT_ASSETS = 50


def compose_form(ctx, data=None, *, chosen_asset=None) -> ComposeForm:
    accounts = list(PinterestAccount.objects.for_workspace(ctx.workspace))
    account_id = (data or {}).get("account_id")
    if not account_id and len(accounts) == 1:
        account_id = str(accounts[0].public_id)  # one account: nothing to choose
    chosen = next((a for a in accounts if str(a.public_id) == account_id), None)
    boards = list(Board.objects.for_account(chosen)) if chosen else []
    assets = list(Asset.objects.for_workspace(ctx.workspace)[:RECENT_ASSETS])
    if chosen_asset is None and data and data.get("asset_id"):
        # Picked from a library search, so perhaps older than the recent ones listed.
        chosen_asset = Asset.objects.for_workspace(ctx.workspace).filter(
            public_id=uuid_or_none(data["asset_id"])).first()
    if chosen_asset is not None and chosen_asset not in assets:
        assets.insert(0, chosen_asset)
    initial = {"idempotency_key": f"dashboard:{uuid.uuid4()}", "account_id": account_id or ""}
    if chosen_asset is not None:
        initial["asset_id"] = str(chosen_asset.public_id)
    return ComposeForm(data, accounts=accounts, boards=boards, assets=assets, initial=initial)


def chosen_asset_of(ctx, form: ComposeForm) -> Asset | None:
    """The workspace's asset the form names, for the preview (another team's id shows nothing)."""
    asset_id = uuid_or_none(form.data.get("asset_id") if form.is_bound else form.initial.get("asset_id"))
    return Asset.objects.for_workspace(ctx.workspace).filter(public_id=asset_id).first() if asset_id else None


def compose_page(request, ctx, form, *, status=200, fragment=None):
    return render_page(
        request, TEMPLATE,
        {"ctx": ctx, "form": form, "upload_form": AssetUploadForm(), "preview": chosen_asset_of(ctx, form)},
        status=status, fragment=fragment,
    )


@login_required
def compose(request):
    ctx = team_context_or_404(request, "pin.create")
    if request.method != "POST":
        return compose_page(request, ctx, compose_form(ctx))
    form = compose_form(ctx, request.POST)
    target = submit(form, lambda: publish_or_schedule(ctx, form))
    if target:
        return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    return compose_page(request, ctx, form, status=422, fragment="compose_form")


def publish_or_schedule(ctx, form: ComposeForm) -> str:
    """Create the pin (or its schedule) and say where to go next."""
    data = form.pin_data()
    if form.cleaned_data["when"] == "schedule":
        # The form's key makes a double submit return the first schedule.
        schedule = schedule_create(actor=ctx.actor,
                                   data={**data, "run_at_local": form.cleaned_data["run_at"]})
        return (
            f"{reverse('calendar')}?view=week&date={form.cleaned_data['run_at']:%Y-%m-%d}#schedule-{schedule.public_id}"
        )
    pin = pin_create(actor=ctx.actor, source=Pin.Source.DASHBOARD, data=data)
    return reverse("pin_detail", args=[pin.public_id])


@login_required
def compose_boards(request):
    """The board picker for the account just chosen (htmx swaps it in)."""
    ctx = team_context_or_404(request, "pin.create")
    form = compose_form(ctx, {"account_id": request.GET.get("account_id", "")})
    return render_page(request, f"{TEMPLATE}#board_field", {"ctx": ctx, "form": form})


@login_required
@require_POST
def compose_upload(request):
    """Upload from Compose: the answer selects the new asset and shows its preview."""
    ctx = team_context_or_404(request, "pin.create")
    upload_form = AssetUploadForm(request.POST, request.FILES)
    asset = upload_or_add_error(ctx, upload_form)
    if asset is None:
        return render_page(request, f"{TEMPLATE}#uploader", {"ctx": ctx, "upload_form": upload_form}, status=422)
    form = compose_form(ctx, chosen_asset=asset)
    return render_page(
        request, f"{TEMPLATE}#uploaded",
        {"ctx": ctx, "form": form, "upload_form": AssetUploadForm(), "preview": asset},
    )
