"""Video uploads: register, the stand-in for S3, and processing as polls and sandbox time pass."""

import httpx
import pytest

from pinterest_sandbox import faults
from pinterest_sandbox.models import MediaUpload
from tests.sandbox.helpers import MP4_HEAD, upload_video

S3_FIELDS = {
    "x-amz-date",
    "x-amz-signature",
    "x-amz-security-token",
    "x-amz-algorithm",
    "key",
    "policy",
    "x-amz-credential",
    "Content-Type",
}


@pytest.fixture
def registered(account) -> dict:
    response = account.post("/media", json={"media_type": "video"})
    assert response.status_code == 201
    return response.json()


def status_of(account, media_id: str) -> str:
    return account.get(f"/media/{media_id}").json()["status"]


def test_registering_returns_an_upload_url_and_s3_post_fields(account, registered):
    assert registered["media_id"].isdigit() and registered["media_type"] == "video"
    assert registered["upload_url"].endswith("/sandbox/pinterest/media-upload/")
    assert set(registered["upload_parameters"]) == S3_FIELDS
    assert registered["upload_parameters"]["key"].endswith(f":video:{registered['media_id']}")
    assert status_of(account, registered["media_id"]) == "registered"


def test_only_video_can_be_registered(account):
    response = account.send("POST", "/media", json={"media_type": "image"})
    assert (response.status_code, response.json()["code"]) == (400, 1)


def test_an_uploaded_video_is_processing_then_succeeds_on_a_later_poll(account, registered):
    response = upload_video(httpx.Client(), registered)
    assert response.status_code == 204 and response.content == b""
    assert status_of(account, registered["media_id"]) == "processing"
    assert status_of(account, registered["media_id"]) == "succeeded"
    media = MediaUpload.objects.get(pinterest_id=registered["media_id"])
    assert media.upload_size == len(MP4_HEAD) + 2048 and media.looks_like_video


def test_processing_finishes_when_sandbox_time_passes_without_polls(account, registered, settings):
    settings.SANDBOX_MEDIA_PROCESSING_POLLS = 1000
    upload_video(httpx.Client(), registered)
    assert status_of(account, registered["media_id"]) == "processing"
    assert status_of(account, registered["media_id"]) == "processing"
    faults.advance_clock(5)
    assert status_of(account, registered["media_id"]) == "succeeded"


def test_bytes_that_are_not_a_video_fail_processing(account, registered):
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 500
    assert upload_video(httpx.Client(), registered, png).status_code == 204
    assert status_of(account, registered["media_id"]) == "processing"
    assert status_of(account, registered["media_id"]) == "failed"
    assert MediaUpload.objects.get(pinterest_id=registered["media_id"]).detected_mime == "image/png"


def test_an_oversize_file_is_refused_like_s3(registered, settings):
    settings.SANDBOX_MEDIA_MAX_BYTES = 1000
    response = upload_video(httpx.Client(), registered, MP4_HEAD + b"\0" * 5000)
    assert response.status_code == 400
    assert "<Code>EntityTooLarge</Code>" in response.text
    assert "<MaxSizeAllowed>1000</MaxSizeAllowed>" in response.text
    assert MediaUpload.objects.get(pinterest_id=registered["media_id"]).status == "registered"


def test_a_file_declared_far_too_large_is_refused_before_it_is_read(registered, settings):
    settings.SANDBOX_MEDIA_MAX_BYTES = 10
    big = MP4_HEAD + b"\0" * 400_000
    response = upload_video(httpx.Client(), registered, big)
    assert response.status_code == 400 and "EntityTooLarge" in response.text


def test_an_empty_file_is_refused(registered):
    response = upload_video(httpx.Client(), registered, b"")
    assert response.status_code == 400 and "EntityTooSmall" in response.text


def test_every_field_must_echo_what_was_issued(registered):
    fields = {**registered["upload_parameters"], "x-amz-credential": "forged"}
    response = upload_video(httpx.Client(), registered, fields=fields)
    assert response.status_code == 403
    assert "Policy Condition failed" in response.text and "x-amz-credential" in response.text


def test_a_missing_field_is_refused(registered):
    fields = {k: v for k, v in registered["upload_parameters"].items() if k != "x-amz-security-token"}
    response = upload_video(httpx.Client(), registered, fields=fields)
    assert response.status_code == 403


def test_a_forged_policy_fails_the_signature(registered):
    fields = {**registered["upload_parameters"], "policy": "eyJmb3JnZWQiOnRydWV9"}
    response = upload_video(httpx.Client(), registered, fields=fields)
    assert response.status_code == 403 and "SignatureDoesNotMatch" in response.text


def test_fields_after_the_file_do_not_count(registered, sandbox_url):
    params = registered["upload_parameters"]
    boundary = "sandboxboundary"
    parts = [(k, v) for k, v in params.items() if k != "policy"]
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in parts
    )
    body += (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="v.mp4"\r\n'
            f"Content-Type: video/mp4\r\n\r\n"
        ).encode()
        + MP4_HEAD
        + b"\r\n"
    )
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="policy"\r\n\r\n{params["policy"]}\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    response = httpx.post(
        registered["upload_url"],
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 403
    assert MediaUpload.objects.get(pinterest_id=registered["media_id"]).status == "registered"


def test_an_upload_without_a_file_is_refused(registered):
    response = httpx.post(
        registered["upload_url"], data=registered["upload_parameters"], files={"other": ("x", b"1")}
    )
    assert response.status_code == 400 and "InvalidArgument" in response.text


def test_an_upload_that_is_not_multipart_is_refused(registered):
    response = httpx.post(registered["upload_url"], data=registered["upload_parameters"])
    assert response.status_code == 412


def test_the_upload_policy_expires_after_an_hour_of_sandbox_time(registered):
    faults.advance_clock(3601)
    response = upload_video(httpx.Client(), registered)
    assert response.status_code == 403 and "Policy expired" in response.text


def test_an_unknown_key_is_refused(registered):
    fields = {**registered["upload_parameters"], "key": "uploads/nope:video:1"}
    assert upload_video(httpx.Client(), registered, fields=fields).status_code == 403


def test_unknown_media_is_404_and_another_users_is_403(account, other_account, registered):
    assert account.get("/media/424242").json() == {"code": 404, "message": "Media upload not found"}
    assert other_account.get(f"/media/{registered['media_id']}").json()["code"] == 29
