"""Drafts: Compose submissions saved for later (services/compose_drafts.py). Everyone in the
workspace who may compose sees, resumes and deletes them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from publishing.access import team_context_or_404
from publishing.models import Board, ComposeDraft
from publishing.services.compose_drafts import compose_draft_delete

DRAFTS_SHOWN = 200


@login_required
def draft_list(request):
    ctx = team_context_or_404(request, "pin.create")
    drafts = list(ComposeDraft.objects.for_workspace(ctx.workspace).select_related("created_by", "updated_by")
                  [:DRAFTS_SHOWN])
    board_names = dict(Board.objects.filter(account__workspace=ctx.workspace).values_list("pinterest_board_id", "name"))
    rows = [{"draft": draft, "board": board_names.get(draft.values.get("board_id") or "", ""),
             "more_boards": len(draft.values.get("also_boards") or [])} for draft in drafts]
    return render(request, "publishing/drafts/list.html", {"ctx": ctx, "rows": rows})


@login_required
@require_POST
def draft_delete(request, public_id):
    ctx = team_context_or_404(request, "pin.create")
    draft = ComposeDraft.objects.for_workspace(ctx.workspace).filter(public_id=public_id).first()
    if draft is None:
        raise Http404("No such draft here.")
    compose_draft_delete(actor=ctx.actor, draft=draft)
    messages.success(request, f"Draft “{draft}” deleted.")
    return redirect("drafts")
