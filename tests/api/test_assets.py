"""/v1/assets through the SDK: streamed uploads, listing, content, and deletion with confirmation."""

import pytest
from pinbridge_sdk.errors import AuthenticationError, NotFoundError, ValidationError

from publishing.models import Asset
from tests.api.conftest import pin_create
from tests.media import make_mp4, make_png

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def png(tmp_path):
    return make_png(tmp_path / "red-chair.png", 40, 30)


def test_upload_an_image_and_a_video_then_read_them_back(client, png, tmp_path):
    image = client.assets.upload_image(png)
    assert image.asset_type.value == "image" and image.original_filename == "red-chair.png"
    assert image.content_type == "image/png" and image.file_size_bytes == png.stat().st_size
    assert image.public_url.endswith(f"/v1/assets/{image.id}/content") and image.referenced_by_pin_count == 0
    assert client.assets.get_content(image.id) == png.read_bytes()
    video = client.assets.upload_video(make_mp4(tmp_path / "clip.mp4", seconds=5), content_type="video/mp4")
    assert video.asset_type.value == "video" and client.assets.get(video.id).workspace_environment.value == "sandbox"


def test_a_file_that_is_not_what_the_endpoint_expects_is_refused(client, png):
    with pytest.raises(ValidationError) as refused:
        client.assets.upload_video(png)
    assert refused.value.code == "wrong_asset_type"
    with pytest.raises(ValidationError) as empty:
        client.assets.upload_image(b"", filename="empty.png")
    assert empty.value.code == "empty_file"


def test_list_filters_sorts_and_pages_with_a_total(client, png, tmp_path):
    for name in ("b.png", "a.png", "c.png"):
        client.assets.upload_image(png, filename=name)
    listing = client.assets.list(sort="name_asc", limit=2)
    assert listing.total == 3 and [a.original_filename for a in listing.assets] == ["a.png", "b.png"]
    assert [a.original_filename for a in client.assets.list(q="c.p").assets] == ["c.png"]
    assert client.assets.list(asset_type="video").total == 0 and client.assets.list(in_use=True).total == 0
    assert listing.storage_used_bytes == 3 * png.stat().st_size


def test_delete_asks_for_confirmation_while_a_pin_uses_the_asset(client, png, account, board):
    asset = client.assets.upload_image(png)
    client.pins.create(pin_create(account, board, image_url=None, asset_id=asset.id))
    first = client.assets.delete(asset.id)
    assert not first.deleted and first.requires_confirmation and first.referenced_pin_count == 1
    confirmed = client.assets.delete(asset.id, confirm=True)
    assert confirmed.deleted and confirmed.freed_bytes == png.stat().st_size
    with pytest.raises(NotFoundError):
        client.assets.get(asset.id)


def test_bulk_delete(client, png, account, board):
    used, unused = client.assets.upload_image(png), client.assets.upload_image(png)
    client.pins.create(pin_create(account, board, image_url=None, asset_id=used.id))
    outcome = client.assets.bulk_delete([used.id, unused.id])
    assert outcome.deleted == [unused.id] and outcome.requires_confirmation == [used.id]
    assert outcome.requires_confirmation_items[0].referenced_pin_count == 1
    assert client.assets.bulk_delete([used.id], confirm=True).deleted == [used.id]


def test_denials(login, cast, keyed, outsider_client, png):
    asset = keyed().assets.upload_image(png)
    with pytest.raises(AuthenticationError) as viewer:
        login(cast.viewer).assets.upload_image(png)
    assert viewer.value.status_code == 403
    with pytest.raises(AuthenticationError) as editor:
        login(cast.editor).assets.delete(asset.id)
    assert editor.value.status_code == 403
    with pytest.raises(AuthenticationError) as scope:
        keyed(scopes=["read", "write"]).assets.delete(asset.id)
    assert scope.value.code == "insufficient_scope"
    for call in (lambda: outsider_client.assets.get(asset.id), lambda: outsider_client.assets.get_content(asset.id),
                 lambda: outsider_client.assets.delete(asset.id, confirm=True)):
        with pytest.raises(NotFoundError):
            call()
    assert outsider_client.assets.bulk_delete([asset.id], confirm=True).deleted == []
    assert Asset.objects.filter(public_id=asset.id, deleted_at__isnull=True).exists()
