"""Compose's scheduling keeps the form's key on the schedule: a double submit is one schedule, and
the same form sent again with other content is refused on the form, not scheduled twice."""

from django.utils import timezone

from publishing.models import Schedule
from tests.web.test_compose import form_data, image  # noqa: F401 - the fixture by name


def test_the_same_form_with_other_content_is_refused_inline(cast, login, offline_account, offline_board, image):  # noqa: F811
    next_year = timezone.now().year + 1
    data = form_data(offline_account, offline_board, image, when="schedule", run_at=f"{next_year}-07-14T09:30")
    client = login(cast.editor)
    assert client.post("/app/compose/", data).status_code == 302
    refused = client.post("/app/compose/", {**data, "title": "Changed after sending"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422
    assert "was already used for a different schedule" in refused.content.decode()
    schedule = Schedule.objects.get()
    assert schedule.idempotency_key == "dashboard:form-1" and schedule.title == "Oak chair"
    assert schedule.needs_approval  # an editor's content
