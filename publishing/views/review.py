"""The public review page a guest opens from a review link: no log-in, no session, CSRF on.

It shows only the link's pins and schedules and lets the guest approve or reject each under their
name (``services.review_links``, which acts through the one access policy as a GUEST_LINK actor).
A wrong token is a 404 and an expired or revoked link a 410, both a page that names no pin. Each
client address may open review pages ``settings.REVIEW_PAGE_REQUESTS_PER_MINUTE`` times a minute
(429 beyond; counted in the default cache, so per process unless the cache is shared).
"""

from uuid import UUID

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from publishing.access import AccessRefused
from publishing.asset_content import asset_content_response
from publishing.client_address import client_address
from publishing.models import ApprovalDecision, Asset, Board, ReviewLink
from publishing.services.errors import DomainError, NotFound
from publishing.services.review_links import (
    ReviewLinkClosed,
    review_link_by_token,
    review_link_decide,
    review_link_items,
    review_link_open,
)
from publishing.views.common import add_domain_error

PAGE = "publishing/review/page.html"
CLOSED_PAGE = "publishing/review/closed.html"


class GuestDecisionForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=ReviewLink.GUEST_NAME_MAX_LENGTH)
    comment = forms.CharField(label="Comment (required to reject)", required=False, widget=forms.Textarea,
                              max_length=ApprovalDecision.COMMENT_MAX_LENGTH)
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])


def _client(request) -> str:
    return client_address(request) or "unknown"


def _throttled(request) -> bool:
    """A fixed one-minute window per client address in the cache (a guessed token costs as much as a page)."""
    key = f"review-page:{_client(request)}"
    cache.add(key, 0, timeout=60)
    try:
        return cache.incr(key) > settings.REVIEW_PAGE_REQUESTS_PER_MINUTE
    except ValueError:  # the window expired between add and incr
        cache.set(key, 1, timeout=60)
        return False


def _closed(request, error: DomainError):
    """The page for a wrong (404), expired or revoked (410) link: it names no pin and no team."""
    status = 410 if isinstance(error, ReviewLinkClosed) else 404
    return render(request, CLOSED_PAGE, {"gone": status == 410, "message": error.message}, status=status)


def _too_many(request):
    return render(request, CLOSED_PAGE, {"message": "Too many requests from your address; wait a minute and try "
                                                    "again.", "throttled": True}, status=429)


def _page(request, link: ReviewLink, token: str, *, failed: tuple[str, GuestDecisionForm] | None = None,
          notice: str = "", status: int = 200):
    pins, schedules = review_link_items(link)
    boards = dict(Board.objects.filter(account__workspace=link.workspace, pinterest_board_id__in=[
        item.board_id for item in (*pins, *schedules)]).values_list("pinterest_board_id", "name"))
    for item in (*pins, *schedules):
        item.board_name = boards.get(item.board_id, item.board_id)  # type: ignore[union-attr]
    return render(request, PAGE, {
        "link": link, "token": token, "pins": pins, "schedules": schedules, "notice": notice,
        "failed_id": failed[0] if failed else "", "failed_form": failed[1] if failed else None,
        "form": GuestDecisionForm(initial={"name": link.guest_name}),
    }, status=status)


@never_cache
@require_GET
def review_page(request, token: str):
    if _throttled(request):
        return _too_many(request)
    try:
        link = review_link_open(token=token)
    except (NotFound, ReviewLinkClosed) as error:
        return _closed(request, error)
    done = request.GET.get("done")
    return _page(request, link, token, notice=f"Thank you: you {done} it." if done in ("approved", "rejected") else "")


@never_cache
@require_POST
def review_decide(request, token: str, kind: str, public_id: UUID):
    if _throttled(request):
        return _too_many(request)
    form = GuestDecisionForm(request.POST)
    try:
        link = review_link_by_token(token)
    except (NotFound, ReviewLinkClosed) as error:
        return _closed(request, error)
    if kind not in ("pin", "schedule"):
        return _closed(request, NotFound(message="This review link does not cover that."))
    if form.is_valid():
        try:
            item = review_link_decide(token=token, item_id=str(public_id), kind="pin" if kind == "pin" else "schedule",
                                      decision="approve" if form.cleaned_data["decision"] == "approve" else "reject",
                                      guest_name=form.cleaned_data["name"], comment=form.cleaned_data["comment"])
        except AccessRefused:
            # Not one of this link's items (or the link closed meanwhile): the same page as a wrong link.
            return _closed(request, NotFound(message="This review link does not cover that."))
        except (NotFound, ReviewLinkClosed) as error:
            return _closed(request, error)
        except DomainError as error:
            add_domain_error(form, _as_form_error(error))
        else:
            verb = "approved" if form.cleaned_data["decision"] == "approve" else "rejected"
            return redirect(f"{reverse('review_page', args=[token])}?done={verb}#item-{item.public_id}")
    return _page(request, link, token, failed=(str(public_id), form), status=422)


def _as_form_error(error: DomainError) -> DomainError:
    """A rejection's reason is the comment field on this page."""
    if error.field == "reason":
        error.fields = {"comment": error.message}
    return error


@never_cache
@require_GET
def review_asset(request, token: str, public_id: UUID):
    """An image or video of one of the link's pins or schedules, to the link's holder only."""
    if _throttled(request):
        return _too_many(request)
    try:
        link = review_link_by_token(token)
    except (NotFound, ReviewLinkClosed) as error:
        return _closed(request, error)
    asset = Asset.objects.filter(workspace=link.workspace, public_id=public_id, deleted_at__isnull=True).first()
    covered = asset is not None and (link.pins.filter(asset=asset).exists() or link.schedules.filter(asset=asset)
                                     .exists())
    if not covered or asset is None:
        return _closed(request, NotFound(message="This review link does not cover that."))
    return asset_content_response(request, asset, redirect=True)
