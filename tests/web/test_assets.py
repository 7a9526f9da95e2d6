"""The asset library: grid, filters, in-use marker, upload with progress, delete with confirmation."""

from datetime import timedelta

from django.utils import timezone

from publishing.access import Actor
from publishing.models import Asset
from publishing.services.assets import asset_upload
from tests.media import make_jpeg, make_png
from tests.web.helpers import queries_to_render


def upload(workspace, tmp_path, name="chair.png", actor=None):
    path = make_png(tmp_path / name) if name.endswith(".png") else make_jpeg(tmp_path / name)
    with path.open("rb") as handle:
        from django.core.files import File

        return asset_upload(
            actor=Actor.for_user(actor, workspace) if actor else Actor.system(workspace, job="test"),
            uploaded_file=File(handle, name=name),
            expected_kind="image",
        )


def test_the_library_shows_uploads_with_their_measurements(cast, login, workspace, tmp_path):
    asset = upload(workspace, tmp_path)
    html = login(cast.viewer).get("/app/assets/").content.decode()
    assert f'id="asset-{asset.public_id}"' in html and "120×80" in html and "Not in use" in html


def test_an_asset_used_by_a_pin_is_marked_in_use(cast, login, workspace, tmp_path, make_pin):
    asset = upload(workspace, tmp_path)
    make_pin(image_url=None, asset_id=str(asset.public_id))
    html = login(cast.viewer).get("/app/assets/?usage=used").content.decode()
    assert f'id="asset-{asset.public_id}"' in html and "In use by 1" in html
    assert f'id="asset-{asset.public_id}"' not in login(cast.viewer).get("/app/assets/?usage=unused").content.decode()


def test_filters_by_type_name_and_date(cast, login, workspace, tmp_path):
    chair, lamp = upload(workspace, tmp_path, "chair.png"), upload(workspace, tmp_path, "lamp.jpg")
    client = login(cast.viewer)
    assert f"asset-{lamp.public_id}" in client.get("/app/assets/?q=lamp").content.decode()
    assert f"asset-{chair.public_id}" not in client.get("/app/assets/?q=lamp").content.decode()
    assert f"asset-{chair.public_id}" in client.get("/app/assets/?asset_type=image").content.decode()
    assert "No assets match" in client.get("/app/assets/?asset_type=video").content.decode()
    tomorrow = (timezone.localdate() + timedelta(days=2)).isoformat()
    assert "No assets match" in client.get(f"/app/assets/?date_from={tomorrow}").content.decode()


def test_uploading_from_the_library_adds_a_card(cast, login, workspace, tmp_path):
    path = make_png(tmp_path / "sofa.png")
    with path.open("rb") as handle:
        response = login(cast.editor).post("/app/assets/upload", {"file": handle}, HTTP_HX_REQUEST="true")
    asset = Asset.objects.get(workspace=workspace)
    html = response.content.decode()
    assert 'hx-swap-oob="afterbegin:#asset-grid"' in html and f'id="asset-{asset.public_id}"' in html
    assert "assetUploaded" in response["HX-Trigger"]


def test_an_oversized_or_fake_upload_is_refused_inline(cast, login, tmp_path):
    fake = tmp_path / "fake.jpg"
    fake.write_bytes(b"\x00" * 100)
    with fake.open("rb") as handle:
        response = login(cast.editor).post("/app/assets/upload", {"file": handle}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and 'class="field-error"' in response.content.decode()


def test_the_file_is_streamed_to_members_only(cast, login, workspace, tmp_path, client):
    asset = upload(workspace, tmp_path)
    response = login(cast.viewer).get(f"/app/assets/{asset.public_id}/file")
    assert response.status_code == 200 and response.streaming and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    client.force_login(cast.outsider)
    assert client.get(f"/app/assets/{asset.public_id}/file").status_code == 404


def test_deleting_an_unused_asset_asks_then_deletes(cast, login, workspace, tmp_path):
    asset = upload(workspace, tmp_path)
    client = login(cast.manager)
    assert "No pin uses this asset" in client.get(f"/app/assets/{asset.public_id}/delete").content.decode()
    response = client.post(f"/app/assets/{asset.public_id}/delete", {})
    assert response.status_code == 302 and response.url == "/app/assets/"
    asset.refresh_from_db()
    assert asset.deleted_at is not None


def test_deleting_an_asset_in_use_needs_the_box_ticked(cast, login, workspace, tmp_path, make_pin):
    asset = upload(workspace, tmp_path)
    make_pin(image_url=None, asset_id=str(asset.public_id))
    client = login(cast.manager)
    refused = client.post(f"/app/assets/{asset.public_id}/delete", {})
    assert refused.status_code == 422 and "tick the box" in refused.content.decode()
    assert Asset.objects.get(pk=asset.pk).deleted_at is None
    assert client.post(f"/app/assets/{asset.public_id}/delete", {"confirm": "on"}).status_code == 302
    assert Asset.objects.get(pk=asset.pk).deleted_at is not None


def test_the_library_runs_a_constant_number_of_queries(cast, login, workspace, tmp_path, make_pin):
    client = login(cast.viewer)
    upload(workspace, tmp_path, "a.png")
    few = queries_to_render(client, "/app/assets/")
    for n in range(6):
        asset = upload(workspace, tmp_path, f"b{n}.png")
        make_pin(image_url=None, asset_id=str(asset.public_id))
    assert queries_to_render(client, "/app/assets/") == few


def test_an_empty_library_says_what_to_do(cast, login, workspace):
    assert "The library is empty" in login(cast.editor).get("/app/assets/").content.decode()
