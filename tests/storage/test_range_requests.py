"""Asset content on local disk (the default storage): streamed, with Range answered (206 and
Content-Range, 416 past the end), through the API and the dashboard alike."""

import httpx
import pytest

from tests.media import make_mp4

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def video(keyed, tmp_path):
    client = keyed()
    path = make_mp4(tmp_path / "clip.mp4", seconds=5)
    asset = client.assets.upload_video(path, content_type="video/mp4")
    return client, asset, path.read_bytes()


def get(server, client, path, **headers) -> httpx.Response:
    with httpx.Client(base_url=server, headers={"x-api-key": client._core._api_key}) as http:
        return http.get(path, headers=headers)


def test_the_whole_file_says_it_accepts_ranges(server, video):
    client, asset, data = video
    response = get(server, client, f"/v1/assets/{asset.id}/content")
    assert response.status_code == 200 and response.content == data
    assert response.headers["Accept-Ranges"] == "bytes" and response.headers["Content-Length"] == str(len(data))
    assert client.assets.get_content(asset.id) == data
    local_redirect = get(server, client, f"/v1/assets/{asset.id}/content?redirect=true")
    assert local_redirect.status_code == 200 and local_redirect.content == data, "no link to hand out on local disk"


@pytest.mark.parametrize(("header", "start", "end"), [
    ("bytes=0-99", 0, 99),
    ("bytes=100-", 100, None),
    ("bytes=-25", -25, None),
    ("bytes=10-999999999", 10, None),  # an end past the file stops at its last byte
    ("bytes=0-", 0, None),  # the whole file, still as a 206 (video players expect one)
])
def test_a_range_is_answered_with_206_and_its_content_range(server, video, header, start, end):
    client, asset, data = video
    response = get(server, client, f"/v1/assets/{asset.id}/content", Range=header)
    expected = data[start:] if end is None else data[start:end + 1]
    first = start % len(data)
    assert response.status_code == 206 and response.content == expected
    assert response.headers["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{len(data)}"
    assert response.headers["Content-Length"] == str(len(expected))


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-5", "bytes=9-3", "bytes=-"])
def test_a_range_we_do_not_serve_is_ignored_for_the_whole_file(server, video, header):
    client, asset, data = video
    response = get(server, client, f"/v1/assets/{asset.id}/content", Range=header)
    assert response.status_code == 200 and response.content == data


def test_if_range_with_another_version_gets_the_whole_file(server, video):
    client, asset, data = video
    etag = get(server, client, f"/v1/assets/{asset.id}/content").headers["ETag"]
    same = get(server, client, f"/v1/assets/{asset.id}/content", Range="bytes=0-9", **{"If-Range": etag})
    other = get(server, client, f"/v1/assets/{asset.id}/content", Range="bytes=0-9", **{"If-Range": '"other"'})
    assert same.status_code == 206 and len(same.content) == 10
    assert other.status_code == 200 and other.content == data


def test_a_range_past_the_end_is_416_with_the_size(server, video):
    client, asset, data = video
    for header in (f"bytes={len(data)}-", "bytes=-0"):
        response = get(server, client, f"/v1/assets/{asset.id}/content", Range=header)
        assert response.status_code == 416 and response.headers["Content-Range"] == f"bytes */{len(data)}"
        assert response.json()["detail"]["code"] == "range_not_satisfiable"


def test_the_dashboard_streams_local_files_with_ranges_and_never_redirects(client, cast, video):
    _, asset, data = video
    client.force_login(cast.viewer)
    whole = client.get(f"/app/assets/{asset.id}/file")
    part = client.get(f"/app/assets/{asset.id}/file", HTTP_RANGE="bytes=4-13")
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == data
    assert part.status_code == 206 and b"".join(part.streaming_content) == data[4:14]
    assert part["Content-Range"] == f"bytes 4-13/{len(data)}"
