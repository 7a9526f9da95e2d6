"""Compose: boards by htmx, upload with preview, inline errors, publish now or schedule in the
workspace's zone, and a double submit that never makes two pins (or two schedules)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from publishing.models import Asset, Board, Pin, Schedule
from tests.conftest import at_every_clock
from tests.media import make_mp4, make_png


@pytest.fixture
def image(cast, workspace, login, tmp_path):
    """An image uploaded through Compose, as the editor."""
    path = make_png(tmp_path / "chair.png", 200, 300)
    with path.open("rb") as handle:
        response = login(cast.editor).post("/app/compose/upload", {"file": handle}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.content.decode()
    return Asset.objects.get(workspace=workspace)


def form_data(account, board, asset, **overrides):
    data = {
        "account_id": str(account.public_id),
        "board_id": board.pinterest_board_id,
        "asset_id": str(asset.public_id),
        "title": "Oak chair",
        "description": "Solid oak.",
        "link_url": "https://shop.example.com/oak",
        "alt_text": "An oak chair",
        "when": "now",
        "run_at": "",
        "idempotency_key": "dashboard:form-1",
    }
    data.update(overrides)
    return data


def test_the_page_offers_the_only_account_and_its_boards(cast, login, offline_account, offline_board):
    html = login(cast.editor).get("/app/compose/").content.decode()
    assert f'value="{offline_account.public_id}" selected' in html and offline_board.name in html
    assert 'name="idempotency_key"' in html and 'data-counter="100"' in html and "Europe/Paris" in html


def test_without_an_account_the_page_says_what_to_do(cast, login, workspace):
    html = login(cast.editor).get("/app/compose/").content.decode()
    assert "No Pinterest account is connected" in html and "Ask an admin" in html


def test_choosing_an_account_loads_its_boards(cast, login, offline_account, offline_board):
    Board.objects.create(account=offline_account, pinterest_board_id="900000000000000077", name="Sofas")
    response = login(cast.editor).get(
        f"/app/compose/boards?account_id={offline_account.public_id}", HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.strip().startswith('<p class="field" id="board-field">') and "Sofas" in html and "Chairs" in html


def test_an_upload_answers_with_a_preview_and_selects_the_new_asset(cast, login, offline_account, workspace, tmp_path):
    path = make_png(tmp_path / "chair.png", 200, 300)
    with path.open("rb") as handle:
        response = login(cast.editor).post("/app/compose/upload", {"file": handle}, HTTP_HX_REQUEST="true")
    asset = Asset.objects.get(workspace=workspace)
    html = response.content.decode()
    assert (asset.width, asset.height, asset.uploaded_by) == (200, 300, cast.editor)
    assert f'<img class="preview" src="/app/assets/{asset.public_id}/file"' in html
    assert 'id="asset-field" hx-swap-oob="true"' in html and f'value="{asset.public_id}" checked' in html
    assert html.strip().startswith('<form id="uploader"')  # a fresh uploader for the next file


def test_an_upload_of_the_wrong_kind_is_refused_inline(cast, login, tmp_path):
    path = tmp_path / "notes.png"
    path.write_bytes(b"this is not an image at all")
    with path.open("rb") as handle:
        response = login(cast.editor).post("/app/compose/upload", {"file": handle}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and 'role="alert"' in response.content.decode()
    assert "not a format Pinterest accepts" in response.content.decode()


def test_a_video_upload_is_measured(cast, login, workspace, tmp_path):
    path = make_mp4(tmp_path / "clip.mp4", seconds=5)
    with path.open("rb") as handle:
        response = login(cast.editor).post("/app/compose/upload", {"file": handle}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    video = Asset.objects.get(workspace=workspace)
    assert video.asset_type == "video" and video.duration_seconds == pytest.approx(5, abs=0.2)
    assert "<video" in response.content.decode()


def test_submitting_creates_one_pin_awaiting_approval_and_goes_to_it(
    cast, login, offline_account, offline_board, image
):
    response = login(cast.editor).post("/app/compose/", form_data(offline_account, offline_board, image),
                                       HTTP_HX_REQUEST="true")
    pin = Pin.objects.get()
    assert response.status_code == 200 and response["HX-Redirect"] == f"/app/pins/{pin.public_id}/"
    assert (pin.title, pin.asset, pin.approval_state, pin.source) == ("Oak chair", image, "pending", "dashboard")


def test_a_double_submit_makes_one_pin(cast, login, offline_account, offline_board, image):
    client = login(cast.editor)
    first = client.post("/app/compose/", form_data(offline_account, offline_board, image))
    second = client.post("/app/compose/", form_data(offline_account, offline_board, image))
    assert first.status_code == second.status_code == 302 and first.url == second.url
    assert Pin.objects.count() == 1


def test_errors_show_beside_their_fields(cast, login, offline_account, offline_board, image):
    data = form_data(offline_account, offline_board, image, title="x" * 101, link_url="not a url", board_id="")
    response = login(cast.editor).post("/app/compose/", data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 422 and html.strip().startswith('<form id="compose-form"')
    assert "at most 100 characters" in html and "Enter a valid URL" in html and "This field is required" in html
    assert Pin.objects.count() == 0


def test_nul_bytes_are_refused_inline(cast, login, offline_account, offline_board, image):
    response = login(cast.editor).post("/app/compose/", form_data(offline_account, offline_board, image,
                                                                  description="bad\x00byte"))
    assert response.status_code == 422 and "Null characters are not allowed" in response.content.decode()


def test_a_board_of_another_account_is_refused_by_the_service_inline(cast, login, offline_account, offline_board, image,
                                                                       workspace):
    from publishing.models import PinterestAccount

    other = PinterestAccount.objects.create(workspace=workspace, pinterest_user_id="42", username="other")
    foreign_board = Board.objects.create(account=other, pinterest_board_id="900000000000000099", name="Theirs")
    client = login(cast.editor)
    client.get(f"/app/compose/boards?account_id={offline_account.public_id}")
    data = form_data(offline_account, offline_board, image, board_id=foreign_board.pinterest_board_id)
    response = client.post("/app/compose/", data)
    assert response.status_code == 422 and "Select a valid choice" in response.content.decode()


def test_scheduling_reads_the_time_in_the_workspace_zone(cast, login, offline_account, offline_board, image):
    next_year = timezone.now().year + 1
    data = form_data(offline_account, offline_board, image, when="schedule", run_at=f"{next_year}-07-14T09:30")
    response = login(cast.editor).post("/app/compose/", data)
    schedule = Schedule.objects.get()
    assert schedule.run_at == datetime(next_year, 7, 14, 7, 30, tzinfo=UTC)  # 09:30 in Paris (summer, UTC+2)
    assert response.url.startswith(f"/app/calendar/?view=week&date={next_year}-07-14")
    assert Pin.objects.count() == 0  # the pin is made at run time


def test_a_double_submitted_schedule_is_made_once(cast, login, offline_account, offline_board, image):
    next_year = timezone.now().year + 1
    data = form_data(offline_account, offline_board, image, when="schedule", run_at=f"{next_year}-07-14T09:30")
    client = login(cast.editor)
    assert client.post("/app/compose/", data).url == client.post("/app/compose/", data).url
    assert Schedule.objects.count() == 1
    assert client.post("/app/compose/", {**data, "idempotency_key": "dashboard:form-2"}).status_code == 302
    assert Schedule.objects.count() == 2  # a new form is a new schedule


def test_a_time_the_clocks_skip_is_explained(cast, login, offline_account, offline_board, image):
    # Europe/Paris jumps from 02:00 to 03:00 on the last Sunday of March.
    year = timezone.now().year + 1
    last_sunday = max(datetime(year, 3, day) for day in range(25, 32) if datetime(year, 3, day).weekday() == 6)
    data = form_data(offline_account, offline_board, image, when="schedule", run_at=f"{last_sunday:%Y-%m-%d}T02:30")
    response = login(cast.editor).post("/app/compose/", data)
    assert response.status_code == 422 and "does not exist in Europe/Paris" in response.content.decode()


@at_every_clock
def test_a_schedule_needs_a_future_time(clock, cast, login, offline_account, offline_board, image):
    client = login(cast.editor)
    missing = client.post("/app/compose/", form_data(offline_account, offline_board, image, when="schedule"))
    assert missing.status_code == 422 and "Choose when to publish" in missing.content.decode()
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    late = client.post("/app/compose/", form_data(offline_account, offline_board, image, when="schedule", run_at=past))
    assert late.status_code == 422 and "must be in the future" in late.content.decode()
