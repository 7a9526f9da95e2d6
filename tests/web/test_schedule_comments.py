"""The comment thread on a schedule's page (issue 13): htmx and plain posts, inline errors, viewers
reading only, another team's member (404), a comment on an earlier version with its diff page, a
guest's comment shown as "<name> (guest)", and the schedule's thread on the page of the pin it made."""

import secrets
from datetime import timedelta

import pytest
from django.utils import timezone

from publishing.access import Actor
from publishing.models import PinComment, ReviewLink, Schedule, Webhook
from publishing.services.comments import schedule_comment
from publishing.services.schedules import schedule_create, schedule_run, schedule_update
from tests.pipeline_fixtures import pin_payload


@pytest.fixture
def schedule(cast, workspace, offline_account, offline_board) -> Schedule:
    data = {k: v for k, v in pin_payload(offline_account, offline_board).items() if k != "idempotency_key"}
    return schedule_create(actor=Actor.for_user(cast.manager, workspace),
                           data={**data, "run_at": timezone.now() + timedelta(hours=2)})


def page_of(schedule) -> str:
    return f"/app/calendar/schedules/{schedule.public_id}/"


def test_an_editor_comments_through_htmx_and_gets_the_thread_back(cast, login, schedule):
    response = login(cast.editor).post(f"{page_of(schedule)}comments", {"body": "9am, @mona?"},
                                       HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and html.strip().startswith('<section id="comments"')
    assert "9am, @mona?" in html and "Mentions: Mona" in html and "eddie@acme.test" in html
    assert "<script" not in html and "style=" not in html  # the CSP forbids inline scripts and styles
    assert list(PinComment.objects.get(schedule=schedule).mentions.all()) == [cast.manager]


def test_without_javascript_the_form_posts_and_comes_back_to_the_schedule(cast, login, schedule):
    client = login(cast.manager)
    page = client.get(page_of(schedule)).content.decode()
    assert f'action="{page_of(schedule)}comments"' in page and "No comments yet." in page
    response = client.post(f"{page_of(schedule)}comments", {"body": "Looks good"})
    assert response.status_code == 302 and response.url == f"{page_of(schedule)}#comments"
    assert "Looks good" in client.get(response.url).content.decode()


def test_bad_comments_are_shown_on_the_form_never_a_500(cast, login, schedule):
    client = login(cast.editor)
    for body, message in [("   ", "This field is required."), ("a\x00b", "Null characters are not allowed."),
                          ("x" * (PinComment.BODY_MAX_LENGTH + 1), "at most 2000 characters")]:
        for htmx in ({"HTTP_HX_REQUEST": "true"}, {}):
            response = client.post(f"{page_of(schedule)}comments", {"body": body}, **htmx)
            html = response.content.decode()
            assert response.status_code == 422 and 'class="field-error"' in html and message in html, (body, htmx)
    assert not PinComment.objects.exists()


def test_a_viewer_reads_the_thread_but_cannot_comment_and_outsiders_see_nothing(cast, login, schedule, workspace):
    schedule_comment(schedule=schedule, actor=Actor.for_user(cast.editor, workspace), body="First draft")
    viewer = login(cast.viewer)
    page = viewer.get(page_of(schedule)).content.decode()
    assert "First draft" in page and "can read comments but not write them" in page
    assert f'action="{page_of(schedule)}comments"' not in page
    assert viewer.post(f"{page_of(schedule)}comments", {"body": "Me too"}).status_code == 403
    outsider = login(cast.outsider)
    assert outsider.get(page_of(schedule)).status_code == 404
    assert outsider.post(f"{page_of(schedule)}comments", {"body": "Hi"}).status_code == 404
    assert PinComment.objects.count() == 1


def test_a_comment_on_an_earlier_version_links_to_the_schedules_diff(cast, login, schedule, workspace):
    manager = Actor.for_user(cast.manager, workspace)
    schedule_comment(schedule=schedule, actor=manager, body="Say oak")
    client = login(cast.viewer)
    assert "on an earlier version" not in client.get(page_of(schedule)).content.decode()
    schedule_update(schedule=schedule, actor=manager, data={"title": "An oak chair"})
    page = client.get(page_of(schedule)).content.decode()
    diff_url = f"{page_of(schedule)}versions/1/diff"
    assert "on an earlier version" in page and diff_url in page
    diff = client.get(diff_url).content.decode()
    assert "<del><span aria-hidden=\"true\">− </span>A red chair</del>" in diff
    assert "<ins><span aria-hidden=\"true\">+ </span>An oak chair</ins>" in diff
    assert "description" not in diff  # unchanged fields are not listed
    assert client.get(f"{page_of(schedule)}versions/2/diff").status_code == 404  # 2 is current
    assert login(cast.outsider).get(diff_url).status_code == 404


def test_a_guests_comment_shows_their_name_as_a_guest(cast, login, schedule):
    link = ReviewLink.objects.create(workspace=schedule.workspace, token_hash=secrets.token_hex(32),
                                     expires_at=timezone.now() + timedelta(days=1))
    link.schedules.set([schedule])
    schedule_comment(schedule=schedule, actor=Actor.for_review_link(link, guest_name="Gina Client"), body="Approved")
    assert "<strong>Gina Client (guest)</strong>" in login(cast.viewer).get(page_of(schedule)).content.decode()


def test_the_pin_a_schedule_made_shows_the_schedules_thread(cast, login, schedule, workspace):
    schedule_comment(schedule=schedule, actor=Actor.for_user(cast.editor, workspace), body="Before it runs")
    Schedule.objects.filter(pk=schedule.pk).update(run_at=timezone.now())
    assert schedule_run(schedule_id=schedule.pk) == "ran"
    pin = Schedule.objects.get(pk=schedule.pk).pin
    page = login(cast.viewer).get(f"/app/pins/{pin.public_id}/").content.decode()
    assert "Comments on the schedule that made this pin" in page and "Before it runs" in page
    assert f'href="{page_of(schedule)}#comments"' in page


def test_the_webhooks_form_offers_pin_commented(cast, login):
    client = login(cast.admin)
    assert 'value="pin.commented"' in client.get("/app/team/webhooks").content.decode()
    created = client.post("/app/team/webhooks/create", {"url": "https://hooks.example.com/in",
                                                        "events": ["pin.commented"]})
    assert created.status_code == 200 and Webhook.objects.get().events == ["pin.commented"]
