"""The dashboard's notifications: the bell (its count and aria-label, polled by htmx), the list,
opening one, marking all read, the choices form, and that another team's are never shown."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from publishing.access import Actor
from publishing.models import Notification, NotificationPreference
from publishing.services.pins import pin_reject

BELL = reverse("notification_bell")
LIST = reverse("notifications")


@pytest.fixture
def held(make_pin):
    """A pin the editor made: admin and manager each have one unread approval request."""
    return make_pin()


def test_the_bell_states_the_unread_count_as_its_link_alone(login, cast, held):
    page = login(cast.manager).get(BELL)
    body = page.content.decode().strip()
    assert page.status_code == 200
    assert 'aria-label="Notifications: 1 unread"' in body
    assert body.startswith('<a class="bell bell-unread"') and body.endswith("</a>")  # the slot's content only
    assert "hx-" not in body  # the slot polls; a link that polled would be swapped out with its listener
    assert f'href="{LIST}"' in body


def test_every_page_has_the_bell_slot_that_polls(login, cast, held):
    page = login(cast.viewer).get(reverse("overview"))
    body = page.content.decode()
    assert f'<span class="bell-slot" hx-get="{BELL}"' in body
    assert 'hx-trigger="load, every 20s, notifications-changed from:body"' in body and 'hx-swap="innerHTML"' in body
    assert 'aria-label="Notifications"' in body
    assert login(cast.viewer).get(BELL).content.decode().count("none unread") == 1


def test_the_list_marks_unread_and_opening_one_reads_it_and_goes_to_the_pin(login, cast, held):
    client = login(cast.manager)
    page = client.get(LIST)
    body = page.content.decode()
    notification = Notification.objects.get(recipient=cast.manager)
    assert "Unread" in body and escape(notification.text) in body
    opened = client.get(reverse("notification_go", args=[notification.public_id]))
    assert opened.status_code == 302 and opened["Location"] == reverse("pin_detail", args=[held.public_id])
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'aria-label="Notifications: none unread"' in client.get(BELL).content.decode()


def test_mark_all_read_tells_the_bell(login, cast, held):
    client = login(cast.admin)
    answer = client.post(reverse("notifications_read_all"), headers={"HX-Request": "true"})
    assert answer.status_code == 200 and answer["HX-Trigger"] == "notifications-changed"
    assert "Nothing unread." in answer.content.decode() and "<html" not in answer.content.decode()
    assert not Notification.objects.filter(recipient=cast.admin, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=cast.manager, read_at__isnull=True).count() == 1
    assert login(cast.manager).post(reverse("notifications_read_all")).status_code == 302  # without htmx


def test_another_members_or_teams_notification_is_a_404(login, cast, held):
    admins = Notification.objects.get(recipient=cast.admin)
    assert login(cast.manager).get(reverse("notification_go", args=[admins.public_id])).status_code == 404
    outsider = login(cast.outsider)
    assert outsider.get(reverse("notification_go", args=[admins.public_id])).status_code == 404
    assert admins.text not in outsider.get(LIST).content.decode()
    assert "none unread" in outsider.get(BELL).content.decode()


def test_the_preferences_form_saves_each_channel(login, cast, held, workspace):
    client = login(cast.editor)
    form = {"pin.rejected__in_app": "on", "pin.approved__in_app": "on"}  # everything else unticked
    answer = client.post(reverse("notification_preferences"), form)
    assert answer.status_code == 302
    rejected = NotificationPreference.objects.get(user=cast.editor, event="pin.rejected")
    assert (rejected.in_app, rejected.email) == (True, False)
    pin_reject(pin=held, actor=Actor.for_user(cast.manager, workspace), reason="No")
    assert Notification.objects.get(event="pin.rejected").email_status == Notification.EmailStatus.NONE
    assert mail.outbox == []


def test_a_request_only_enqueues_the_email(login, cast, held, django_capture_on_commit_callbacks):
    from tests.pipeline_fixtures import queued_jobs
    client = login(cast.manager)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("approval_reject", args=[held.public_id]), {"reason": "Blurry"})
    assert answer.status_code == 302
    rejected = Notification.objects.get(event="pin.rejected")
    assert mail.outbox == []  # nothing was sent while the request ran
    assert rejected.email_status == Notification.EmailStatus.PENDING and rejected.email_attempts == 0
    assert [args for args, _ in queued_jobs("publishing.tasks.send_notification_email")] == [(rejected.pk,)]


def test_an_htmx_request_after_the_session_ended_is_a_401_not_the_login_page(client, cast, held):
    from django.conf import settings
    from django.shortcuts import resolve_url

    htmx = {"HX-Request": "true"}
    bell = client.get(BELL, headers=htmx)
    assert bell.status_code == 401 and "session has ended" in bell.content.decode() and "Location" not in bell
    assert client.post(reverse("notifications_read_all"), headers=htmx).status_code == 401
    assert Notification.objects.filter(recipient=cast.manager, read_at__isnull=True).count() == 1
    page = client.get(LIST)  # a page loaded without htmx still goes to log in
    assert page.status_code == 302 and page["Location"].startswith(resolve_url(settings.LOGIN_URL))
    restored = client.get(LIST, headers={**htmx, "HX-History-Restore-Request": "true"})  # Back: a whole page
    assert restored.status_code == 302 and restored["Location"].startswith(resolve_url(settings.LOGIN_URL))
