"""Compose's media pickers: the library search (the picker's cards) and a video pin's cover
(a key frame turned into an image asset, an image from the library, or one uploaded for it)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from publishing.access import team_context_or_404
from publishing.lookups import asset_for_workspace_or_404
from publishing.models import Asset
from publishing.services.assets import asset_cover_from_key_frame, asset_upload
from publishing.services.errors import DomainError
from publishing.views.common import attempt, render_page, uuid_or_none
from publishing.views.compose import RECENT_ASSETS

QUERY_MAX_LENGTH = 100


def _chosen(ctx, value) -> Asset | None:
    asset_id = uuid_or_none(value)
    return Asset.objects.for_workspace(ctx.workspace).filter(public_id=asset_id).first() if asset_id else None


@login_required
def compose_assets(request):
    """The picker's cards for a search (``asset_q``), keeping the chosen asset among them."""
    ctx = team_context_or_404(request, "pin.create")
    query = request.GET.get("asset_q", "")[:QUERY_MAX_LENGTH]
    assets = list(Asset.objects.for_workspace(ctx.workspace).search(query)[:RECENT_ASSETS])
    chosen = _chosen(ctx, request.GET.get("asset_id"))
    if chosen is not None and chosen not in assets:
        assets.insert(0, chosen)
    return render_page(request, "publishing/compose/_asset_choices.html",
                       {"assets": assets, "selected": str(chosen.public_id) if chosen else "", "query": query})


def _cover_context(ctx, video: Asset | None, *, selected: str = "", error: str = "") -> dict:
    images = list(Asset.objects.for_workspace(ctx.workspace).of_type(Asset.Kind.IMAGE)[:RECENT_ASSETS])
    return {"cover_video": video if video is not None and video.asset_type == Asset.Kind.VIDEO else None,
            "cover_images": images, "cover_selected": selected, "cover_error": error}


@login_required
def compose_cover(request):
    """The cover picker for the asset just chosen: frames and images for a video, nothing otherwise.
    Also the field's own re-check while a worker extracts the frames, which keeps the cover chosen."""
    ctx = team_context_or_404(request, "pin.create")
    return render_page(request, "publishing/compose/_cover_field.html",
                       _cover_context(ctx, _chosen(ctx, request.GET.get("asset_id")),
                                      selected=request.GET.get("cover_image_asset_id", "")))


def _cover_chosen(request, context: dict):
    """The cover field with the new cover selected; ``coverChosen`` tells the preview to show it
    (an htmx swap fires no ``change`` for the preview to hear)."""
    return trigger_client_event(render_page(request, "publishing/compose/_cover_field.html", context), "coverChosen")


@login_required
@require_POST
def compose_cover_frame(request):
    """"Use this frame": the key frame becomes an image asset, chosen as the cover."""
    ctx = team_context_or_404(request, "pin.create")
    video = asset_for_workspace_or_404(ctx.actor, uuid_or_none(request.POST.get("asset_id")))
    try:
        index = int(request.POST.get("cover_frame", ""))
    except ValueError:
        index = -1
    outcome = attempt(lambda: asset_cover_from_key_frame(actor=ctx.actor, video=video, index=index))
    if not request.htmx:
        return redirect("compose")  # without JavaScript the new image is in the library's cover list
    if isinstance(outcome, DomainError):
        return render_page(request, "publishing/compose/_cover_field.html",
                           _cover_context(ctx, video, error=outcome.message), status=422)
    return _cover_chosen(request, _cover_context(ctx, video, selected=str(outcome.public_id)))


@login_required
@require_POST
def compose_cover_upload(request):
    """A new image uploaded as the video's cover (htmx): stored like any upload, then chosen."""
    ctx = team_context_or_404(request, "pin.create")
    video = asset_for_workspace_or_404(ctx.actor, uuid_or_none(request.POST.get("asset_id")))
    upload = request.FILES.get("cover_file")
    if upload is None:
        return render_page(request, "publishing/compose/_cover_field.html",
                           _cover_context(ctx, video, error="Choose an image file to upload."), status=422)
    outcome = attempt(lambda: asset_upload(actor=ctx.actor, uploaded_file=upload, expected_kind=Asset.Kind.IMAGE))
    if isinstance(outcome, DomainError):
        return render_page(request, "publishing/compose/_cover_field.html",
                           _cover_context(ctx, video, error=outcome.message), status=422)
    return _cover_chosen(request, _cover_context(ctx, video, selected=str(outcome.public_id)))
