"""Compose: account → boards by htmx, upload with progress, live counters, publish or schedule."""

import uuid
from urllib.parse import quote, urlsplit

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from publishing.access import team_context_or_404
from publishing.content import PinContent
from publishing.forms import AssetUploadForm, ComposeForm
from publishing.lookups import pin_for_workspace_or_404
from publishing.models import Asset, Board, ComposeDraft, Pin, PinterestAccount
from publishing.services.colors import asset_dominant_color
from publishing.services.compose import BoardsRefused, pin_create_on_boards
from publishing.services.compose_drafts import DRAFT_FIELDS, compose_draft_delete, compose_draft_save
from publishing.services.errors import DomainError
from publishing.services.pin_drafts import COLOR
from publishing.views.assets import upload_or_add_error
from publishing.views.common import add_domain_error, attempt, render_page, submit, uuid_or_none

TEMPLATE = "publishing/compose/compose.html"
RECENT_ASSETS = 50


def compose_form(ctx, data=None, *, chosen_asset=None, prefill=None) -> ComposeForm:
    """The form, bound to ``data`` (a submission), or unbound with ``prefill`` (a draft resumed, a pin
    duplicated): either way with a fresh idempotency key unless the submission carries one."""
    prefill = prefill or {}
    accounts = list(PinterestAccount.objects.for_workspace(ctx.workspace))
    account_id = (data or prefill).get("account_id")
    if not account_id and len(accounts) == 1:
        account_id = str(accounts[0].public_id)  # one account: nothing to choose
    chosen = next((a for a in accounts if str(a.public_id) == account_id), None)
    boards = list(Board.objects.for_account(chosen)) if chosen else []
    assets = list(Asset.objects.for_workspace(ctx.workspace)[:RECENT_ASSETS])
    if chosen_asset is None and data and data.get("asset_id"):
        # Picked from a library search, so perhaps older than the recent ones listed.
        chosen_asset = Asset.objects.for_workspace(ctx.workspace).filter(
            public_id=uuid_or_none(data["asset_id"])).first()
    if chosen_asset is None and not data and prefill.get("asset_id"):
        chosen_asset = Asset.objects.for_workspace(ctx.workspace).filter(
            public_id=uuid_or_none(prefill["asset_id"])).first()
    if chosen_asset is not None and chosen_asset not in assets:
        assets.insert(0, chosen_asset)
    initial = {**prefill, "idempotency_key": f"dashboard:{uuid.uuid4()}", "account_id": account_id or ""}
    if not initial.get("board_id") and len(boards) == 1:
        initial["board_id"] = boards[0].pinterest_board_id  # one board: nothing to choose either
    if chosen_asset is not None:
        initial["asset_id"] = str(chosen_asset.public_id)
        if not prefill.get("dominant_color_override"):
            initial["dominant_color"] = asset_dominant_color(actor=ctx.actor, asset=chosen_asset) or "#000000"
    return ComposeForm(data, accounts=accounts, boards=boards, assets=assets, initial=initial,
                       all_boards=list(Board.objects.for_accounts(accounts)) if len(accounts) else [],
                       zone=ctx.workspace.zone)


def chosen_asset_of(ctx, form: ComposeForm) -> Asset | None:
    """The workspace's asset the form names, for the preview (another team's id shows nothing)."""
    asset_id = uuid_or_none(form.data.get("asset_id") if form.is_bound else form.initial.get("asset_id"))
    return Asset.objects.for_workspace(ctx.workspace).filter(public_id=asset_id).first() if asset_id else None


def compose_page(request, ctx, form, *, status=200, fragment=None, draft=None):
    asset = chosen_asset_of(ctx, form)
    values = form.data if form.is_bound else {**form.initial}
    return render_page(
        request, TEMPLATE,
        {"ctx": ctx, "form": form, "upload_form": AssetUploadForm(), "preview": asset, "draft": draft,
         "pin_preview": pin_preview(values, asset=asset, color=values.get("dominant_color") or "",
                                    cover=video_cover_of(ctx, asset, values.get("cover_image_asset_id")))},
        status=status, fragment=fragment,
    )


@login_required
def compose(request):
    ctx = team_context_or_404(request, "pin.create")
    if request.method != "POST":
        return compose_page(request, ctx, compose_form(ctx, prefill=prefill_of(request, ctx)),
                            draft=draft_of(ctx, request.GET.get("draft")))
    if "save_draft" in request.POST:
        return save_draft(request, ctx)
    form = compose_form(ctx, request.POST)
    target = submit(form, lambda: publish_or_schedule(ctx, form))
    if target:
        return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    return compose_page(request, ctx, form, status=422, fragment="compose_form")


def prefill_of(request, ctx) -> dict:
    """What an unbound form starts with: a draft resumed (``?draft=``) or a pin duplicated
    (``?duplicate=``), both looked up in the caller's workspace only (another team's id is a 404)."""
    if request.GET.get("draft"):
        draft = draft_of(ctx, request.GET["draft"])
        if draft is None:
            raise Http404("No such draft here.")
        return {**draft.values, "draft_id": str(draft.public_id)}
    if request.GET.get("duplicate"):
        pin_id = uuid_or_none(request.GET["duplicate"])
        if pin_id is None:
            raise Http404("No such pin here.")
        pin = pin_for_workspace_or_404(ctx.actor, pin_id)
        values = pin.content_values()
        return {"account_id": str(pin.account.public_id) if pin.account else "", "board_id": pin.board_id,
                "asset_id": str(pin.asset.public_id) if pin.asset else "",
                "dominant_color_override": bool(values.get("dominant_color")),
                **{name: values.get(name) or "" for name in
                   ("title", "description", "link_url", "alt_text", "dominant_color")}}
    return {}


def draft_of(ctx, draft_id: str | None) -> ComposeDraft | None:
    draft_uuid = uuid_or_none(draft_id)
    return ComposeDraft.objects.for_workspace(ctx.workspace).filter(public_id=draft_uuid).first() \
        if draft_uuid else None


def save_draft(request, ctx):
    """"Save as draft": the values as typed, no publishing checks; then the drafts list."""
    data = {name: request.POST.get(name, "") for name in DRAFT_FIELDS}
    data["also_boards"] = request.POST.getlist("also_boards")
    draft = draft_of(ctx, request.POST.get("draft_id"))
    if request.POST.get("draft_id") and draft is None:
        raise Http404("No such draft here.")
    outcome = attempt(lambda: compose_draft_save(actor=ctx.actor, data=data, draft=draft))
    if isinstance(outcome, DomainError):
        form = compose_form(ctx, request.POST)
        form.is_valid()  # the errors of the fields as typed, then the draft's refusal beside its field
        add_domain_error(form, outcome)
        return compose_page(request, ctx, form, status=422, fragment="compose_form")
    target = f"{reverse('drafts')}#draft-{outcome.public_id}"
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)


def publish_or_schedule(ctx, form: ComposeForm) -> str:
    """Create the pin (or schedule) for each chosen board, all or none, and say where to go next."""
    queued = "add_to_queue" in form.data  # "Add to queue": each account's next free posting slot
    scheduled = form.cleaned_data["when"] == "schedule" and not queued
    data = form.pin_data()
    if not form.cleaned_data.get("dominant_color_override"):
        # Not overridden: the colour the server reads from the chosen image, whatever the input sent.
        asset = chosen_asset_of(ctx, form)
        data["dominant_color"] = asset_dominant_color(actor=ctx.actor, asset=asset) if asset else ""
    try:
        made = pin_create_on_boards(
            actor=ctx.actor, data=data, targets=form.targets(), source=Pin.Source.DASHBOARD,
            run_at_local=form.cleaned_data["run_at"] if scheduled else None,
            run_at_fold=form.cleaned_data.get("run_at_fold") if scheduled else None, to_queue=queued)
    except BoardsRefused as refused:
        form.board_errors = {target.choice: error.message for target, error in refused.by_board.items()}
        raise
    draft = draft_of(ctx, form.cleaned_data.get("draft_id"))
    if draft is not None:  # published: the draft has done its job
        compose_draft_delete(actor=ctx.actor, draft=draft)
    if queued:
        return (f"{reverse('calendar')}?view=week&date={timezone.localtime(made[0].run_at):%Y-%m-%d}"
                f"#schedule-{made[0].public_id}")
    if scheduled:
        return (f"{reverse('calendar')}?view=week&date={form.cleaned_data['run_at']:%Y-%m-%d}"
                f"#schedule-{made[0].public_id}")
    if len(made) > 1:
        return f"{reverse('pins')}?q={quote(form.cleaned_data['title'])}"
    return reverse("pin_detail", args=[made[0].public_id])


@login_required
def compose_preview(request):
    """The pin as Pinterest will show it, from the form's current values (htmx, on change)."""
    ctx = team_context_or_404(request, "pin.create")
    values = request.POST if request.method == "POST" else request.GET
    asset = Asset.objects.for_workspace(ctx.workspace).filter(public_id=uuid_or_none(values.get("asset_id"))).first()
    if values.get("dominant_color_override"):
        color = values.get("dominant_color") or ""  # shown only if it is #RRGGBB (pin_preview checks)
    else:
        color = asset_dominant_color(actor=ctx.actor, asset=asset) if asset else ""
    return render(request, "publishing/compose/_pin_preview.html",
                  {"preview": pin_preview(values, asset=asset, color=color,
                                          cover=video_cover_of(ctx, asset, values.get("cover_image_asset_id")))})


def video_cover_of(ctx, asset: Asset | None, cover_id) -> Asset | None:
    """The workspace's image chosen as a video's cover (none for an image pin, or another team's id)."""
    cover_uuid = uuid_or_none(cover_id)
    if asset is None or asset.asset_type != Asset.Kind.VIDEO or cover_uuid is None:
        return None
    return Asset.objects.for_workspace(ctx.workspace).of_type(Asset.Kind.IMAGE).filter(public_id=cover_uuid).first()


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


def pin_preview(values, *, asset: Asset | None, color: str, cover: Asset | None = None) -> dict:
    """What the preview card shows, cut to PinContent's limits as Pinterest would cut nothing
    (it refuses): text over a limit is shown up to the limit, with the overflow flagged."""
    def text(name: str) -> tuple[str, bool]:
        value = str(values.get(name) or "")
        limit = PinContent.text_field(name).max_length
        return value[:limit], len(value) > limit

    title, title_over = text("title")
    description, description_over = text("description")
    link = str(values.get("link_url") or "").strip()
    domain = (urlsplit(link if "://" in link else f"https://{link}").hostname or "") if link else ""
    return {"asset": asset, "cover": cover, "title": title, "title_over": title_over, "description": description,
            "description_over": description_over, "domain": domain.removeprefix("www."),
            "color": color if COLOR.fullmatch(color or "") else ""}
