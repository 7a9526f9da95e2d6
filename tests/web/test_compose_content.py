"""Compose, issue 12's content: the live preview, the dominant colour, several boards in one
submission (all or nothing, no duplicates on a double submit), drafts, duplicating a pin, the only
account preselected, and daylight-saving times answered in the form."""

import pytest

from publishing.models import Asset, AuditEvent, Board, ComposeDraft, Pin, PinterestAccount, Schedule
from publishing.services.compose import BoardTarget, board_idempotency_key
from tests.media import make_png

RED = (200, 40, 30)


@pytest.fixture
def image(cast, workspace, login, tmp_path):
    """A mostly red image with a blue corner, uploaded through Compose."""
    from PIL import Image

    picture = Image.new("RGB", (200, 300), RED)
    picture.paste((0, 0, 255), (0, 0, 40, 40))
    path = tmp_path / "red-chair.png"
    picture.save(path, "PNG")
    with path.open("rb") as handle:
        response = login(cast.manager).post("/app/compose/upload", {"file": handle}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.content.decode()
    return Asset.objects.get(workspace=workspace)


@pytest.fixture
def boards(offline_account, offline_board):
    """Three boards: two of the first account, one of a second account."""
    second = PinterestAccount.objects.create(workspace=offline_account.workspace, username="acme_second",
                                             pinterest_user_id="1000000000000000002", access_token="pina_offline_2")
    return [offline_board,
            Board.objects.create(account=offline_account, pinterest_board_id="900000000000000002", name="Sofas"),
            Board.objects.create(account=second, pinterest_board_id="900000000000000003", name="Lamps")]


def choice(board):
    return f"{board.account.public_id}:{board.pinterest_board_id}"


def form_data(board, asset, **overrides):
    data = {"account_id": str(board.account.public_id), "board_id": board.pinterest_board_id,
            "asset_id": str(asset.public_id), "title": "Oak chair", "description": "Solid oak.",
            "link_url": "https://www.shop.example.com/oak", "alt_text": "An oak chair", "when": "now",
            "run_at": "", "idempotency_key": "dashboard:form-9"}
    data.update(overrides)
    return data


# --- the live preview ---------------------------------------------------------------------------


def test_the_preview_shows_image_title_description_and_link_domain(cast, login, offline_account, image):
    response = login(cast.editor).get("/app/compose/preview", {
        "asset_id": str(image.public_id), "title": "Oak chair", "description": "Solid oak, oiled.",
        "link_url": "https://www.shop.example.com/oak?ref=pin"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith("{#") is False
    assert f'src="/app/assets/{image.public_id}/file"' in html
    assert "Oak chair" in html and "Solid oak, oiled." in html
    assert '<p class="pin-preview-domain">shop.example.com</p>' in html
    assert 'data-dominant-color="#C8281E"' in html  # read from the image by the server
    overridden = login(cast.editor).get("/app/compose/preview", {
        "asset_id": str(image.public_id), "dominant_color_override": "on", "dominant_color": "#123ABC"})
    overridden = overridden.content.decode()
    assert 'data-dominant-color="#123ABC"' in overridden
    forged = login(cast.editor).get("/app/compose/preview", {
        "dominant_color_override": "on", "dominant_color": '"><script>'}).content.decode()
    assert "data-dominant-color" not in forged and "<script>" not in forged


def test_the_preview_flags_text_over_pinterests_limits_and_ignores_other_teams_assets(
        cast, login, offline_account, image):
    response = login(cast.outsider).get("/app/compose/preview", {"asset_id": str(image.public_id)})
    assert response.status_code in (403, 404) or "/file" not in response.content.decode()
    html = login(cast.editor).get("/app/compose/preview", {"title": "x" * 101, "link_url": "shop.example.com"}
                                  ).content.decode()
    assert "too long: Pinterest refuses it" in html and "x" * 100 in html and "x" * 101 not in html
    assert "shop.example.com" in html and "No image chosen yet" in html


def test_the_compose_page_embeds_the_preview_that_follows_the_form(cast, login, offline_account, offline_board):
    html = login(cast.editor).get("/app/compose/").content.decode()
    assert 'id="pin-preview" hx-get="/app/compose/preview"' in html
    assert "#compose-form [name=title]" in html and "csrfmiddlewaretoken" not in html.split('id="pin-preview"')[1][:600]
    assert "No image chosen yet" in html


# --- the dominant colour ------------------------------------------------------------------------


def test_the_dominant_colour_is_read_from_the_image(cast, login, offline_board, image):
    response = login(cast.manager).post("/app/compose/", form_data(offline_board, image, dominant_color="#000000"))
    assert response.status_code == 302, response.content.decode()
    pin = Pin.objects.get()
    assert pin.dominant_color == "#C8281E"  # not the black an untouched colour input sends
    assert Asset.objects.get(pk=image.pk).dominant_color == "#C8281E"  # read once, kept


def test_the_thumbnail_worker_reads_the_dominant_colour(cast, image):
    from publishing.services.thumbnails import asset_thumbnail_make

    Asset.objects.filter(pk=image.pk).update(dominant_color="")  # as if Compose had not read it yet
    assert asset_thumbnail_make(asset_id=image.pk).dominant_color == "#C8281E"


def test_the_dominant_colour_can_be_overridden(cast, login, offline_board, image):
    data = form_data(offline_board, image, dominant_color_override="on", dominant_color="#123abc")
    assert login(cast.manager).post("/app/compose/", data).status_code == 302
    assert Pin.objects.get().dominant_color == "#123abc"


@pytest.mark.parametrize("bad", ["#12345G", "red", "#1234567", "123456", "#12\x0045"])
def test_a_bad_colour_is_an_inline_error(cast, login, offline_board, image, bad):
    data = form_data(offline_board, image, dominant_color_override="on", dominant_color=bad)
    response = login(cast.manager).post("/app/compose/", data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 422 and html.strip().startswith('<form id="compose-form"')
    assert ("Must be a colour like #6E7874." in html or "at most 7 characters" in html
            or "Null characters are not allowed" in html)
    assert Pin.objects.count() == 0


def test_the_upload_answer_offers_the_images_colour(cast, login, offline_account, tmp_path):
    path = make_png(tmp_path / "plum.png", 80, 80, color=(120, 20, 90))
    with path.open("rb") as handle:
        html = login(cast.editor).post("/app/compose/upload", {"file": handle}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="color-field" hx-swap-oob="true"' in html and 'value="#78145A"' in html


# --- several boards in one submission -----------------------------------------------------------


def test_three_boards_make_three_pins_and_a_double_submit_still_three(cast, login, boards, image):
    first, *more = boards
    data = form_data(first, image, also_boards=[choice(board) for board in more])
    client = login(cast.manager)
    responses = [client.post("/app/compose/", data) for _ in range(2)]
    assert [r.status_code for r in responses] == [302, 302] and responses[0].url == responses[1].url
    pins = Pin.objects.order_by("id")
    assert pins.count() == 3
    assert {(pin.account_id, pin.board_id) for pin in pins} == {(b.account_id, b.pinterest_board_id) for b in boards}
    assert {pin.idempotency_key for pin in pins} == {
        board_idempotency_key("dashboard:form-9", BoardTarget(str(b.account.public_id), b.pinterest_board_id))
        for b in boards}
    assert {pin.title for pin in pins} == {"Oak chair"}


def test_a_board_ticked_twice_or_also_chosen_above_makes_one_pin(cast, login, boards, image):
    first, second, _ = boards
    data = form_data(first, image, also_boards=[choice(first), choice(second)])
    assert login(cast.manager).post("/app/compose/", data).status_code == 302
    assert Pin.objects.count() == 2


def test_one_refusing_board_makes_none_and_says_which(cast, login, boards, image):
    first, second, third = boards
    third.account.health_status = PinterestAccount.Health.RECONNECT_REQUIRED
    third.account.save()
    data = form_data(first, image, also_boards=[choice(second), choice(third)])
    response = login(cast.manager).post("/app/compose/", data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 422
    assert "Lamps (acme_second): This Pinterest account must be reconnected" in html or (
        "acme_second / Lamps: This Pinterest account must be reconnected" in html)
    assert "Sofas: " not in html  # the boards that would have worked carry no error
    assert Pin.objects.count() == 0 and not AuditEvent.objects.filter(action="pin.created").exists()


def test_one_board_alone_refusing_says_so_once_beside_the_board(cast, login, boards, image):
    boards[0].account.health_status = PinterestAccount.Health.RECONNECT_REQUIRED
    boards[0].account.save()
    response = login(cast.manager).post("/app/compose/", form_data(boards[0], image), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 422 and html.count("must be reconnected before it can publish") == 1
    assert Pin.objects.count() == 0


def test_schedules_on_several_boards_are_all_or_nothing_too(cast, login, boards, image):
    first, second, _ = boards
    data = form_data(first, image, also_boards=[choice(second)], when="schedule", run_at="2099-07-14T09:30")
    client = login(cast.manager)
    assert client.post("/app/compose/", data).status_code == 302
    assert client.post("/app/compose/", data).status_code == 302
    assert Schedule.objects.count() == 2


def test_another_teams_board_is_not_a_choice(cast, login, boards, image):
    data = form_data(boards[0], image, also_boards=[f"{boards[2].account.public_id}:123"])
    response = login(cast.manager).post("/app/compose/", data)
    assert response.status_code == 422 and "Select a valid choice" in response.content.decode()
    assert Pin.objects.count() == 0


# --- the only account, preselected ----------------------------------------------------------------


def test_the_only_account_is_preselected_and_a_second_one_is_not(cast, login, offline_account, offline_board):
    client = login(cast.editor)
    assert f'value="{offline_account.public_id}" selected' in client.get("/app/compose/").content.decode()
    PinterestAccount.objects.create(workspace=offline_account.workspace, pinterest_user_id="77", username="two")
    assert f'value="{offline_account.public_id}" selected' not in client.get("/app/compose/").content.decode()


def test_the_only_board_of_the_account_is_preselected_too(cast, login, offline_account, offline_board):
    client = login(cast.editor)
    html = client.get("/app/compose/").content.decode()
    assert f'<option value="{offline_board.pinterest_board_id}" selected>' in html
    Board.objects.create(account=offline_account, pinterest_board_id="900000000000000002", name="Sofas")
    assert f'value="{offline_board.pinterest_board_id}" selected' not in client.get("/app/compose/").content.decode()


# --- drafts -------------------------------------------------------------------------------------------


def test_a_draft_saves_without_publishing_checks_lists_resumes_and_publishes(cast, login, boards, image):
    client = login(cast.editor)
    response = client.post("/app/compose/", {"title": "Half done", "account_id": str(boards[0].account.public_id),
                                             "board_id": "", "asset_id": str(image.public_id),
                                             "also_boards": [choice(boards[1])], "idempotency_key": "k",
                                             "save_draft": "1"})
    draft = ComposeDraft.objects.get()
    assert response.status_code == 302 and response.url == f"/app/drafts/#draft-{draft.public_id}"
    assert Pin.objects.count() == 0 and draft.created_by == cast.editor
    listing = login(cast.manager).get("/app/drafts/").content.decode()  # teammates share the drafts
    assert "Half done" in listing and f"/app/compose/?draft={draft.public_id}" in listing and "and 1 more" in listing
    resumed = client.get(f"/app/compose/?draft={draft.public_id}").content.decode()
    assert 'value="Half done"' in resumed and f'value="{draft.public_id}"' in resumed
    assert f'value="{choice(boards[1])}" ' in resumed and "checked" in resumed
    published = client.post("/app/compose/", form_data(boards[0], image, title="Done", draft_id=str(draft.public_id)))
    assert published.status_code == 302 and Pin.objects.get().title == "Done"
    assert not ComposeDraft.objects.exists()  # published: the draft is gone


def test_saving_a_resumed_draft_overwrites_it(cast, login, offline_board, image):
    client = login(cast.editor)
    client.post("/app/compose/", {"title": "One", "save_draft": "1"})
    draft = ComposeDraft.objects.get()
    client.post("/app/compose/", {"title": "Two", "draft_id": str(draft.public_id), "save_draft": "1"})
    assert list(ComposeDraft.objects.values_list("title", flat=True)) == ["Two"]


def test_a_draft_is_deleted(cast, login, workspace):
    client = login(cast.editor)
    client.post("/app/compose/", {"title": "Bin me", "save_draft": "1"})
    draft = ComposeDraft.objects.get()
    response = client.post(f"/app/drafts/{draft.public_id}/delete")
    assert response.status_code == 302 and not ComposeDraft.objects.exists()


def test_a_draft_with_bad_input_is_refused_inline(cast, login, workspace):
    response = login(cast.editor).post("/app/compose/", {"title": "x" * 101, "save_draft": "1"},
                                       HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "at most 100 characters" in response.content.decode()
    response = login(cast.editor).post("/app/compose/", {"title": "ok", "run_at": "9" * 500, "save_draft": "1"})
    assert response.status_code == 422 and not ComposeDraft.objects.exists()


def test_another_teams_draft_is_a_404_everywhere(cast, login, workspace):
    login(cast.editor).post("/app/compose/", {"title": "Ours", "save_draft": "1"})
    draft = ComposeDraft.objects.get()
    outsider = login(cast.outsider)
    assert outsider.get(f"/app/compose/?draft={draft.public_id}").status_code == 404
    assert outsider.post(f"/app/drafts/{draft.public_id}/delete").status_code == 404
    assert outsider.post("/app/compose/", {"title": "Theirs now", "draft_id": str(draft.public_id),
                                          "save_draft": "1"}).status_code == 404
    assert "Ours" not in outsider.get("/app/drafts/").content.decode()
    assert ComposeDraft.objects.get().title == "Ours"


def test_viewers_have_no_drafts_page(cast, login, workspace):
    client = login(cast.viewer)
    assert client.get("/app/drafts/").status_code == 403
    assert 'href="/app/drafts/"' not in client.get("/app/").content.decode()
    assert 'href="/app/drafts/"' in login(cast.editor).get("/app/").content.decode()


# --- duplicating a pin --------------------------------------------------------------------------------


def test_duplicate_opens_compose_prefilled_with_a_new_key(cast, login, offline_board, image):
    client = login(cast.manager)
    client.post("/app/compose/", form_data(offline_board, image, dominant_color_override="on",
                                           dominant_color="#123ABC"))
    pin = Pin.objects.get()
    detail = client.get(f"/app/pins/{pin.public_id}/").content.decode()
    assert f'href="/app/compose/?duplicate={pin.public_id}"' in detail
    html = client.get(f"/app/compose/?duplicate={pin.public_id}").content.decode()
    assert 'value="Oak chair"' in html and "Solid oak." in html and 'value="#123ABC"' in html
    assert f'value="{image.public_id}" checked' in html or f'<option value="{image.public_id}" selected' in html
    assert 'value="dashboard:form-9"' not in html and 'name="idempotency_key" value="dashboard:' in html
    assert login(cast.outsider).get(f"/app/compose/?duplicate={pin.public_id}").status_code == 404
    assert client.get("/app/compose/?duplicate=not-a-uuid").status_code == 404


# --- daylight saving, in the form -----------------------------------------------------------------------


@pytest.mark.parametrize("clock", ["2026-09-01T08:00:00Z"], indirect=True)
def test_a_time_that_happens_twice_is_a_choice_of_two(clock, cast, login, offline_board, image):
    data = form_data(offline_board, image, when="schedule", run_at="2026-10-25T02:30")
    client = login(cast.manager)
    response = client.post("/app/compose/", data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 422 and "run_at_fold 0" not in html and 'name="run_at_fold" value="1"' in html
    assert "02:30 on 25 October happens twice in Europe/Paris" in html
    assert "02:30 CEST (first)" in html and "02:30 CET (second)" in html
    assert client.post("/app/compose/", {**data, "run_at_fold": "1"}).status_code == 302
    schedule = Schedule.objects.get()
    assert schedule.run_at.isoformat() == "2026-10-25T01:30:00+00:00"  # 02:30 CET


@pytest.mark.parametrize("clock", ["2026-03-01T08:00:00Z"], indirect=True)
def test_a_time_the_clocks_skip_offers_the_next_valid_time(clock, cast, login, offline_board, image):
    data = form_data(offline_board, image, when="schedule", run_at="2026-03-29T02:30")
    client = login(cast.manager)
    html = client.post("/app/compose/", data, HTTP_HX_REQUEST="true").content.decode()
    assert "02:30 on 29 March does not exist in Europe/Paris" in html and "The next valid time is 03:00" in html
    assert 'name="run_at_next_valid" value="on">Use 03:00 instead' in html
    assert client.post("/app/compose/", {**data, "run_at_next_valid": "on"}).status_code == 302
    assert Schedule.objects.get().run_at.isoformat() == "2026-03-29T01:00:00+00:00"  # 03:00 CEST
