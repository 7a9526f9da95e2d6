from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from publishing.access import team_context_or_404
from publishing.asset_content import asset_content_response, stored_jpeg_response
from publishing.forms import AssetFilterForm, AssetUploadForm, ConfirmForm
from publishing.lookups import asset_for_workspace_or_404
from publishing.models import Asset
from publishing.pagination import keyset_page
from publishing.services.assets import asset_delete, asset_storage_usage, asset_upload
from publishing.views.common import render_page, submit, uuid_or_none

PAGE_SIZE = 24


@login_required
def asset_library(request):
    ctx = team_context_or_404(request)
    form = AssetFilterForm(request.GET or None)
    assets = form.filter(Asset.objects.for_workspace(ctx.workspace))
    page = keyset_page(
        assets,
        size=PAGE_SIZE,
        after=uuid_or_none(request.GET.get("after")),
        before=uuid_or_none(request.GET.get("before")),
    )
    return render_page(
        request,
        "publishing/assets/library.html",
        {
            "ctx": ctx,
            "form": form,
            "page": page,
            "filtered": form.is_bound and form.is_valid() and any(form.cleaned_data.values()),
            "upload_form": AssetUploadForm(),
            "usage": asset_storage_usage(team=ctx.team),
        },
        fragment="results",
    )


@login_required
@require_POST
def asset_library_upload(request):
    """Upload from the library page; answers with the new card (or the form with its error)."""
    ctx = team_context_or_404(request, "asset.upload")
    form = AssetUploadForm(request.POST, request.FILES)
    asset = upload_or_add_error(ctx, form)
    if asset is None:
        return render_page(request, "publishing/assets/library.html#uploader", {"upload_form": form}, status=422)
    response = render_page(
        request, "publishing/assets/library.html#uploaded", {"asset": asset, "upload_form": AssetUploadForm()}
    )
    return trigger_client_event(response, "assetUploaded", {"asset": str(asset.public_id)})


def upload_or_add_error(ctx, form: AssetUploadForm) -> Asset | None:
    """The one upload path of the dashboard (library and compose): a stored asset, or form errors."""
    return submit(form, lambda: asset_upload(
        uploaded_file=form.cleaned_data["file"], expected_kind=form.expected_kind(), actor=ctx.actor
    ))


@login_required
def asset_file(request, public_id):
    """The asset's bytes, to members of its workspace only: a redirect to a short-lived presigned
    link when media lives in a bucket (the browser then fetches from it), else streamed with Range."""
    ctx = team_context_or_404(request)
    return asset_content_response(request, asset_for_workspace_or_404(ctx.actor, public_id), redirect=True)


@login_required
def asset_thumbnail(request, public_id):
    """The asset's thumbnail (made by a worker after the upload); 404 until it exists."""
    ctx = team_context_or_404(request)
    asset = asset_for_workspace_or_404(ctx.actor, public_id)
    if not asset.thumbnail:
        raise Http404("No thumbnail yet.")
    return stored_jpeg_response(asset.file.storage, asset.thumbnail.name, filename=f"{asset.public_id}-thumb.jpg")


@login_required
def asset_thumbnail_tag(request, public_id):
    """The thumbnail's tag (or the placeholder again, while the worker is still at it), for htmx."""
    ctx = team_context_or_404(request)
    asset = asset_for_workspace_or_404(ctx.actor, public_id)
    return render_page(request, "publishing/_shared/_thumbnail.html", {"asset": asset})


@login_required
def asset_key_frame(request, public_id, index):
    """One of a video's key frames, offered as its cover."""
    ctx = team_context_or_404(request)
    asset = asset_for_workspace_or_404(ctx.actor, public_id)
    if index >= len(asset.key_frames):
        raise Http404("No such frame.")
    return stored_jpeg_response(asset.file.storage, asset.key_frames[index]["name"],
                                filename=f"{asset.public_id}-frame-{index}.jpg")


@login_required
def asset_delete_view(request, public_id):
    """GET asks for confirmation (saying which pins use the asset); POST deletes."""
    ctx = team_context_or_404(request, "asset.delete")
    asset = asset_for_workspace_or_404(ctx.actor, public_id, with_references=True)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and asset.in_use and not form.cleaned_data["confirm"]:
        form.add_error("confirm", "This asset is in use: tick the box to delete it anyway.")
    elif request.method == "POST" and submit(form, lambda: asset_delete(
            asset=asset, confirm=form.cleaned_data["confirm"], actor=ctx.actor)):
        messages.success(request, f"Deleted {asset.original_filename}.")
        return HttpResponseClientRedirect(reverse("assets")) if request.htmx else redirect("assets")
    return render_page(
        request,
        "publishing/assets/delete.html",
        {"ctx": ctx, "asset": asset, "form": form},
        status=422 if form.errors else 200,
    )
