"""The conversation on a schedule, guest reviewers' comments, the pin.commented webhook and the audit
log (issue 13): one comment concept for pins and schedules, each comment about a content version
that a schedule's edit moves on (keeping the earlier content to diff against)."""

import json
import secrets
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from publishing.access import AccessForbidden, AccessHidden, Actor
from publishing.content import content_diff
from publishing.models import AuditEvent, PinComment, PinContentVersion, ReviewLink, Schedule, WebhookDelivery
from publishing.services.comments import comment_add, pin_comment, schedule_comment
from publishing.services.errors import ValidationError
from publishing.services.keys import api_key_create
from publishing.services.pins import pin_create
from publishing.services.schedules import schedule_create, schedule_run, schedule_update
from publishing.services.webhooks import webhook_create, webhook_delivery_attempt
from tests.conftest import make_member
from tests.pipeline_fixtures import WEBHOOK_RECEIVER_SECRET, WebhookReceiver, pin_payload, queued_jobs

pytestmark = pytest.mark.django_db

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RUN_AT = START + timedelta(hours=2)


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def receiver():
    """A customer's endpoint that checks each delivery's HMAC signature with WEBHOOK_RECEIVER_SECRET."""
    endpoint = WebhookReceiver()
    yield endpoint
    endpoint.close()


@pytest.fixture
def schedule(frozen, cast, workspace, offline_account, offline_board) -> Schedule:
    data = {k: v for k, v in pin_payload(offline_account, offline_board).items() if k != "idempotency_key"}
    return schedule_create(actor=Actor.for_user(cast.manager, workspace), data={**data, "run_at": RUN_AT})


def review_link(workspace, *, pins=(), schedules=(), revoked=False) -> ReviewLink:
    """A review link's row as a manager's sending it would leave it (open for a day unless revoked)."""
    link = ReviewLink.objects.create(workspace=workspace, token_hash=secrets.token_hex(32),
                                     expires_at=timezone.now() + timedelta(days=1),
                                     revoked_at=timezone.now() if revoked else None)
    link.pins.set(pins)
    link.schedules.set(schedules)
    return link


def guest(link: ReviewLink, name: str) -> Actor:
    """A guest reviewer as the review link's face builds them: no user, no key, their name."""
    return Actor.for_review_link(link, guest_name=name)


def member(user, workspace) -> Actor:
    return Actor.for_user(user, workspace)


def test_a_schedule_has_its_own_thread_with_mentions_of_its_team_only(cast, workspace, schedule):
    make_member(cast.other_team, "mona@globex.test", "admin")  # same name, another team: never mentioned
    comment = schedule_comment(schedule=schedule, actor=member(cast.editor, workspace), body=" @mona, 9am ok? ")
    assert (comment.schedule, comment.pin, comment.body, comment.content_version) == (
        schedule, None, "@mona, 9am ok?", 1)
    assert [user.email for user in comment.mentions.all()] == ["mona@acme.test"]
    assert list(PinComment.objects.thread(schedule)) == [comment]
    assert comment.subject == schedule


def test_a_schedule_edit_keeps_the_earlier_content_and_the_comment_is_on_an_earlier_version(
        cast, workspace, schedule):
    manager = member(cast.manager, workspace)
    schedule_comment(schedule=schedule, actor=manager, body="Say oak")
    schedule_update(schedule=schedule, actor=manager, data={"run_at": RUN_AT + timedelta(hours=1)})
    assert Schedule.objects.get(pk=schedule.pk).content_version == 1  # moving it in time is no content change
    assert not PinComment.objects.thread(schedule).get().on_earlier_version

    schedule_update(schedule=schedule, actor=manager, data={"title": "An oak chair"})
    schedule.refresh_from_db()
    assert schedule.content_version == 2
    earlier = PinContentVersion.objects.of(schedule).get()
    assert (earlier.version, earlier.pin, earlier.values["title"]) == (1, None, "A red chair")
    assert PinComment.objects.thread(schedule).get().on_earlier_version
    diff = content_diff(earlier.values, schedule.content_values())
    assert [(d.name, d.lines) for d in diff] == [("title", [("-", "A red chair"), ("+", "An oak chair")])]
    assert schedule_comment(schedule=schedule, actor=manager, body="Better").content_version == 2


def test_who_may_comment_on_a_schedule(cast, workspace, schedule):
    with pytest.raises(AccessForbidden):
        schedule_comment(schedule=schedule, actor=member(cast.viewer, workspace), body="Hi")
    with pytest.raises(AccessHidden):
        schedule_comment(schedule=schedule, actor=member(cast.outsider, cast.other_team.workspaces.first()),
                         body="Hi")
    system = Actor.system(workspace, job="test")
    reader = Actor.for_key(api_key_create(actor=system, name="r", scopes=["read"]).key)
    with pytest.raises(AccessForbidden):
        schedule_comment(schedule=schedule, actor=reader, body="Hi")
    with pytest.raises(AccessHidden):  # a guest's link that does not cover the schedule shows nothing
        schedule_comment(schedule=schedule, actor=guest(review_link(workspace), "Gina"), body="Hi")
    assert not PinComment.objects.exists()
    writer = Actor.for_key(api_key_create(actor=system, name="w", scopes=["read", "write"]).key)
    assert schedule_comment(schedule=schedule, actor=writer, body="From a script").author_key == writer.api_key


@pytest.mark.parametrize(("body", "problem"), [("", "Write"), ("  ", "Write"), ("a\x00b", "NUL"),
                                               ("x" * (PinComment.BODY_MAX_LENGTH + 1), "at most")])
def test_bad_bodies_on_a_schedule_are_refused_naming_the_body(cast, workspace, schedule, body, problem):
    with pytest.raises(ValidationError) as refused:
        schedule_comment(schedule=schedule, actor=member(cast.editor, workspace), body=body)
    assert refused.value.field == "body" and problem in refused.value.message
    assert not PinComment.objects.exists()


def test_a_comment_is_on_a_pin_or_a_schedule_never_both_nor_neither(cast, workspace, schedule, offline_account,
                                                                    offline_board):
    pin = pin_create(actor=member(cast.manager, workspace), source="dashboard",
                     data=pin_payload(offline_account, offline_board))
    for owner in ({"pin": pin, "schedule": schedule}, {}):
        with pytest.raises(IntegrityError), transaction.atomic():
            PinComment.objects.create(**owner, author_label="x", body="x", content_version=1)
        with pytest.raises(IntegrityError), transaction.atomic():
            PinContentVersion.objects.create(**owner, version=1, values={})


def test_a_guest_reviewers_comment_is_stored_with_their_name(cast, workspace, schedule, offline_account,
                                                             offline_board):
    pin = pin_create(actor=member(cast.editor, workspace), source="dashboard",
                     data=pin_payload(offline_account, offline_board))
    link = review_link(workspace, pins=[pin], schedules=[schedule])
    comment = pin_comment(pin=pin, actor=guest(link, "  Gina Client "), body="Love it, @eddie")
    assert (comment.author, comment.author_key, comment.author_label, comment.is_guest) == (
        None, None, "Gina Client", True)
    assert comment.author_name == "Gina Client (guest)"
    event = AuditEvent.objects.get(action="pin.commented")
    assert (event.actor_user, event.actor_key, event.actor_label) == (None, None, "Gina Client")
    assert event.details["guest"] is True
    assert schedule_comment(schedule=schedule, actor=guest(link, "Gina"), body="And this one").is_guest
    for name in ("", "   ", "x" * 256, "Gi\x00na"):
        with pytest.raises(ValidationError) as refused:
            pin_comment(pin=pin, actor=guest(link, name), body="Hi")
        assert refused.value.field == "name"
    other_pin = pin_create(actor=member(cast.editor, workspace), source="dashboard",
                           data=pin_payload(offline_account, offline_board, idempotency_key="chair-2"))
    for actor, target in [(guest(link, "Gina"), other_pin),  # not on the link
                          (guest(review_link(workspace, pins=[pin], revoked=True), "Gina"), pin)]:
        with pytest.raises(AccessHidden):
            pin_comment(pin=target, actor=actor, body="Hi")
    assert PinComment.objects.count() == 2


def test_every_comment_is_in_the_audit_log(cast, workspace, schedule):
    comment = schedule_comment(schedule=schedule, actor=member(cast.editor, workspace), body="Ask @mona")
    event = AuditEvent.objects.get(action="schedule.commented")
    assert (event.actor_user, event.target_id) == (cast.editor, str(schedule.public_id))
    assert event.details == {"comment_id": str(comment.public_id), "content_version": 1,
                             "mentions": ["mona@acme.test"]}


def test_pin_commented_is_delivered_signed_for_a_pin_and_for_a_schedule(
        cast, workspace, schedule, settings, receiver, django_capture_on_commit_callbacks, offline_account,
        offline_board):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver listens on 127.0.0.1
    admin = member(cast.admin, workspace)
    webhook = webhook_create(actor=admin, url=receiver.url, secret=WEBHOOK_RECEIVER_SECRET,
                             events=["pin.commented"])
    webhook_create(actor=admin, url="https://hooks.example.com/in", secret="s" * 32)  # does not want it
    pin = pin_create(actor=member(cast.manager, workspace), source="dashboard",
                     data=pin_payload(offline_account, offline_board))
    with django_capture_on_commit_callbacks(execute=True):
        on_pin = pin_comment(pin=pin, actor=member(cast.editor, workspace), body="Ready, @mona?")
        on_schedule = schedule_comment(schedule=schedule, actor=member(cast.manager, workspace), body="Yes")
    deliveries = list(WebhookDelivery.objects.order_by("id"))
    assert [(d.webhook, d.event_type) for d in deliveries] == [(webhook, "pin.commented")] * 2
    assert len(queued_jobs("publishing.tasks.deliver_webhook")) == 2  # enqueued once the transaction commits

    for delivery in deliveries:
        assert webhook_delivery_attempt(delivery_id=delivery.pk) == WebhookDelivery.Status.DELIVERED
    assert [received.signature_valid for received in receiver.received] == [True, True]
    bodies = [json.loads(received.body) for received in receiver.received]
    assert [received.headers["x-pinbridge-event"] for received in receiver.received] == ["pin.commented"] * 2
    assert {k: v for k, v in bodies[0].items() if k not in ("delivery_id", "occurred_at")} == {
        "event": "pin.commented", "comment_id": str(on_pin.public_id), "subject": "pin",
        "pin_id": str(pin.public_id), "schedule_id": None, "author": "eddie@acme.test", "author_is_guest": False,
        "body": "Ready, @mona?", "mentions": ["mona@acme.test"], "content_version": 1}
    assert (bodies[1]["comment_id"], bodies[1]["subject"], bodies[1]["schedule_id"], bodies[1]["pin_id"]) == (
        str(on_schedule.public_id), "schedule", str(schedule.public_id), None)


def test_the_schedules_pin_leaves_the_thread_on_the_schedule(frozen, cast, workspace, schedule):
    schedule_comment(schedule=schedule, actor=member(cast.editor, workspace), body="Before it runs")
    frozen.move_to(RUN_AT + timedelta(minutes=1))
    assert schedule_run(schedule_id=schedule.pk) == "ran"
    schedule.refresh_from_db()
    assert PinComment.objects.thread(schedule).count() == 1 and not PinComment.objects.thread(schedule.pin).exists()
    # A comment on the schedule now names its pin in the webhook (subject stays the schedule).
    assert comment_add(subject=schedule.pin, actor=member(cast.editor, workspace), body="On the pin").pin == (
        schedule.pin)
