"""Managers send pins and schedules awaiting approval to a guest reviewer, and revoke the links.

The forms sit on the approvals page and the pin page; the link's URL (with its token) is shown once,
on the page that answers the creation. The guest's own page is ``publishing/views/review.py``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from publishing.access import team_context_or_404
from publishing.models import ReviewLink
from publishing.services.review_links import review_link_create, review_link_revoke
from publishing.views.approvals import TEMPLATE as APPROVALS_TEMPLATE
from publishing.views.approvals import queue_context, review_link_form
from publishing.views.common import render_page, submit

CREATED_TEMPLATE = "publishing/approvals/review_link_created.html"


@login_required
@require_POST
def review_link_create_view(request):
    ctx = team_context_or_404(request, "review_link.create")
    form = review_link_form(ctx, request.POST)
    issued = None

    def create():
        nonlocal issued
        issued = review_link_create(actor=ctx.actor, **form.cleaned_data)
        return issued

    if submit(form, create) and issued is not None:
        url = request.build_absolute_uri(reverse("review_page", args=[issued.token]))
        return render_page(request, CREATED_TEMPLATE, {"ctx": ctx, "link": issued.link, "url": url})
    return render_page(request, APPROVALS_TEMPLATE, queue_context(ctx, review_link_form=form), status=422)


@login_required
@require_POST
def review_link_revoke_view(request, public_id):
    ctx = team_context_or_404(request, "review_link.revoke")
    link = ReviewLink.objects.filter(workspace=ctx.workspace, public_id=public_id).first()
    if link is None:
        raise Http404("No such review link in this workspace.")
    review_link_revoke(actor=ctx.actor, link=link)
    messages.success(request, "Revoked the review link: it no longer opens.")
    return redirect(reverse("approvals") + "#review-links")
