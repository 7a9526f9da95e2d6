"""Assets kept in an S3 bucket (moto's server over real HTTP): uploads through the SDK and the
dashboard land in the bucket and nowhere on local disk; content comes back streamed (the SDK) or
as a redirect to a presigned link (the dashboard, or ``redirect=true``); Range works against the
bucket; deleting removes the object."""

import hashlib
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from publishing.models import Asset
from tests.media import make_mp4, make_png
from tests.services.assets.helpers import stored_files

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def png(tmp_path):
    return make_png(tmp_path / "red-chair.png", 320, 200)


def key_of(asset_id) -> str:
    return Asset.objects.get(public_id=asset_id).file.name


def test_sdk_uploads_land_in_the_bucket_and_read_back_streamed(s3_storage, keyed, png, tmp_path, media_root):
    client = keyed()
    video_path = make_mp4(tmp_path / "clip.mp4", seconds=5)

    image = client.assets.upload_image(png)
    video = client.assets.upload_video(video_path, content_type="video/mp4")

    stored_image, stored_video = Asset.objects.get(public_id=image.id), Asset.objects.get(public_id=video.id)
    assert (stored_image.width, stored_image.height) == (320, 200), "measured before it went to the bucket"
    assert (stored_video.duration_seconds, stored_video.video_codec) == (5.0, "h264")
    assert s3_storage.keys() == sorted([key_of(image.id), key_of(video.id)])
    for asset, path in ((stored_image, png), (stored_video, video_path)):
        stored = s3_storage.read(asset.file.name)
        assert stored == path.read_bytes()
        assert asset.checksum_sha256 == hashlib.sha256(stored).hexdigest() and asset.size_bytes == len(stored)
    assert stored_files(media_root) == [], "nothing written to this machine's disk"
    # The SDK does not follow redirects: the API streams the bytes to it.
    assert client.assets.get_content(image.id) == png.read_bytes()
    assert client.assets.get_content(video.id) == video_path.read_bytes()


def test_the_api_redirects_to_a_short_lived_presigned_link_only_when_asked(s3_storage, keyed, png, server):
    client = keyed()
    image = client.assets.upload_image(png)
    api_key = client._core._api_key
    path = f"/v1/assets/{image.id}/content"

    with httpx.Client(base_url=server, headers={"x-api-key": api_key}) as http:
        streamed = http.get(path)
        redirected = http.get(path, params={"redirect": "true"})

    assert streamed.status_code == 200 and streamed.content == png.read_bytes()
    assert redirected.status_code == 302 and redirected.headers["Cache-Control"] == "private, no-store"
    link = redirected.headers["Location"]
    assert link.startswith(f"{s3_storage.server.endpoint_url}/{s3_storage.bucket}/")
    query = parse_qs(urlsplit(link).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Expires"] == ["300"]
    assert "x-api-key" not in link and api_key not in link
    fetched = httpx.get(link)  # no credentials: the signature is the permission
    assert fetched.status_code == 200 and fetched.content == png.read_bytes()
    assert fetched.headers["Content-Type"] == "image/png"
    assert 'filename="red-chair.png"' in fetched.headers["Content-Disposition"]
    tampered = httpx.get(link.replace(s3_storage.bucket + "/", s3_storage.bucket + "/x", 1))
    assert tampered.status_code == 403


def test_range_requests_are_answered_from_the_bucket(s3_storage, keyed, tmp_path, server):
    client = keyed()
    video_path = make_mp4(tmp_path / "clip.mp4", seconds=5)
    data = video_path.read_bytes()
    video = client.assets.upload_video(video_path, content_type="video/mp4")
    path = f"/v1/assets/{video.id}/content"

    with httpx.Client(base_url=server, headers={"x-api-key": client._core._api_key}) as http:
        middle = http.get(path, headers={"Range": "bytes=100-1123"})
        tail = http.get(path, headers={"Range": "bytes=-10"})
        past_the_end = http.get(path, headers={"Range": f"bytes={len(data)}-"})

    assert middle.status_code == 206 and middle.content == data[100:1124]
    assert (
        middle.headers["Content-Range"] == f"bytes 100-1123/{len(data)}" and middle.headers["Content-Length"] == "1024"
    )
    assert tail.status_code == 206 and tail.content == data[-10:]
    assert past_the_end.status_code == 416 and past_the_end.headers["Content-Range"] == f"bytes */{len(data)}"
    assert past_the_end.json()["detail"]["code"] == "range_not_satisfiable"


def test_deleting_an_asset_removes_its_object(s3_storage, keyed, png):
    client = keyed()
    kept, deleted = client.assets.upload_image(png), client.assets.upload_image(png)
    deleted_key = key_of(deleted.id)

    assert client.assets.delete(deleted.id).deleted is True

    assert s3_storage.keys() == [key_of(kept.id)] and deleted_key not in s3_storage.keys()


def test_the_dashboard_uploads_to_the_bucket_and_previews_through_a_presigned_link(
    s3_storage, client, cast, png, tmp_path, media_root
):
    client.force_login(cast.editor)
    with png.open("rb") as image, make_mp4(tmp_path / "clip.mp4").open("rb") as video:
        for upload in (image, video):
            response = client.post("/app/assets/upload", {"file": upload}, HTTP_HX_REQUEST="true")
            assert response.status_code == 200, response.content
    image_asset, video_asset = Asset.objects.get(asset_type="image"), Asset.objects.get(asset_type="video")
    assert s3_storage.keys() == sorted([image_asset.file.name, video_asset.file.name])
    assert stored_files(media_root) == []

    preview = client.get(f"/app/assets/{image_asset.public_id}/file")

    assert preview.status_code == 302
    fetched = httpx.get(preview["Location"])
    assert fetched.status_code == 200 and fetched.content == png.read_bytes()
    # The browser's video player asks the bucket for ranges itself.
    video_link = client.get(f"/app/assets/{video_asset.public_id}/file")["Location"]
    ranged = httpx.get(video_link, headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.content) == 100
