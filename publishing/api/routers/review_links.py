"""/v1/review-links (Pinboard extension): send pins and schedules awaiting approval to a guest reviewer,
list the links and revoke them. The guest's own page is /review/<token> (no account)."""

from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Router, Status

from publishing.access import AccessHidden, Actor
from publishing.api.schemas.common import responses, total_count_header
from publishing.api.schemas.review_links import (
    ReviewLinkCreatedOut,
    ReviewLinkCreateIn,
    ReviewLinkOut,
    review_link_out,
)
from publishing.api.security import actor_of
from publishing.models import ReviewLink
from publishing.services.review_links import review_link_create, review_link_revoke

router = Router(tags=["review links (Pinboard extension)"])

WHO = ("A key needs the `approve` scope; a member needs the manager or admin role. Links are the caller's "
       "workspace's only.")


def _links(who: Actor) -> QuerySet[ReviewLink]:
    """The workspace's links the caller may see: a key limited to some accounts, only those of its accounts."""
    return ReviewLink.objects.for_workspace(who.workspace).within_accounts(who.allowed_account_ids)


def _link_or_404(who: Actor, link_id: UUID) -> ReviewLink:
    link = _links(who).filter(public_id=link_id).first()
    if link is None:
        raise AccessHidden("not_found", "Review link not found.")
    return link


@router.post("", response=responses({201: ReviewLinkCreatedOut}, 403),
             description="Pinboard extension. Send pins and schedules awaiting approval to someone outside the "
                         "team: the answer holds the link's `url` and `token`, shown this once (only a hash is "
                         "stored). The guest opens it without an account until `expires_at` (1-30 days, 7 by "
                         "default) or until it is revoked, sees only these items and approves or rejects each "
                         "(a team's two-step rule may make the guest the second step). An item not awaiting "
                         f"approval, or not in the workspace, is a 422 naming `pin_ids` or `schedule_ids`. {WHO}")
def create_review_link(request: HttpRequest, data: ReviewLinkCreateIn):
    who = actor_of(request)
    issued = review_link_create(actor=who, pin_ids=data.pin_ids, schedule_ids=data.schedule_ids,
                                expires_in_days=data.expires_in_days, guest_name=data.guest_name,
                                guest_email=data.guest_email)
    url = request.build_absolute_uri(reverse("review_page", args=[issued.token]))
    return Status(201, {**review_link_out(_link_or_404(who, issued.link.public_id)), "token": issued.token,
                        "url": url})


@router.get("", response=responses({200: list[ReviewLinkOut]}, 403), openapi_extra=total_count_header("Review links"),
            description=f"Pinboard extension. The workspace's review links, newest first (never their tokens). {WHO}")
def list_review_links(request: HttpRequest, response: HttpResponse):
    who = actor_of(request, "review_link.list")
    links = _links(who)
    response["X-Total-Count"] = str(links.count())
    return [review_link_out(link) for link in links[:200]]


@router.get("/{link_id}", response=responses({200: ReviewLinkOut}, 403, 404),
            description=f"Pinboard extension. One review link (never its token). {WHO}")
def get_review_link(request: HttpRequest, link_id: UUID):
    who = actor_of(request, "review_link.list")
    return review_link_out(_link_or_404(who, link_id))


@router.delete("/{link_id}", response=responses({200: ReviewLinkOut}, 403, 404),
               description="Pinboard extension. Revoke the link: it stops opening at once (the guest's page says "
                           f"it is closed, HTTP 410). Revoking twice changes nothing. {WHO}")
def revoke_review_link(request: HttpRequest, link_id: UUID):
    who = actor_of(request)
    link = review_link_revoke(actor=who, link=_link_or_404(who, link_id))
    return review_link_out(_link_or_404(who, link.public_id))
