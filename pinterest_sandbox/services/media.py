"""Video uploads: register, receive the bytes (the stand-in for S3), process."""

import base64
import hashlib
import hmac
import json
import secrets
from datetime import timedelta

from django.conf import settings

from pinterest_sandbox import conf
from pinterest_sandbox.clock import sandbox_now
from pinterest_sandbox.models import MediaUpload, SandboxUser

Status = MediaUpload.Status


def _sign(policy: str) -> str:
    key = hashlib.sha256(f"sandbox-s3:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, policy.encode(), hashlib.sha256).hexdigest()


def upload_signature_valid(policy: str, signature: str) -> bool:
    return hmac.compare_digest(_sign(policy), signature)


def media_register(*, owner: SandboxUser, forced_outcome: str = "") -> MediaUpload:
    """``POST /v5/media``: a row plus S3-style POST policy fields the upload must echo back."""
    now = sandbox_now()
    media = MediaUpload(owner=owner, forced_outcome=forced_outcome, created_at=now)
    key = f"uploads/{secrets.token_hex(8)}/{secrets.token_hex(12)}:video:{media.pinterest_id}"
    expires = now + timedelta(seconds=conf.UPLOAD_POLICY_SECONDS)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    policy = base64.b64encode(
        json.dumps(
            {
                "expiration": expires.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "conditions": [
                    {"bucket": "pinterest-media-upload"},
                    {"key": key},
                    ["content-length-range", 1, conf.media_max_bytes()],
                    {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
                    {"x-amz-date": amz_date},
                ],
            }
        ).encode()
    ).decode()
    media.upload_key = key
    media.policy_expires_at = expires
    media.upload_parameters = {
        "x-amz-date": amz_date,
        "x-amz-signature": _sign(policy),
        "x-amz-security-token": base64.b64encode(secrets.token_bytes(48)).decode(),
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "key": key,
        "policy": policy,
        "x-amz-credential": f"ASIASANDBOX/{now:%Y%m%d}/us-east-1/s3/aws4_request",
        "Content-Type": "multipart/form-data",
    }
    media.save()
    return media


def media_upload_receive(*, media: MediaUpload, size: int, mime: str | None, is_video: bool) -> None:
    """The bytes arrived: processing starts (a repeated upload replaces the previous one)."""
    media.uploaded_at = sandbox_now()
    media.upload_size = size
    media.detected_mime = mime or ""
    media.looks_like_video = is_video
    media.polls_while_processing = 0
    media.status = Status.PROCESSING
    media.save(
        update_fields=[
            "uploaded_at",
            "upload_size",
            "detected_mime",
            "looks_like_video",
            "polls_while_processing",
            "status",
        ]
    )


def media_poll(*, media: MediaUpload) -> MediaUpload:
    """``GET /v5/media/{id}``: processing finishes after SANDBOX_MEDIA_PROCESSING_POLLS polls or
    SANDBOX_MEDIA_PROCESSING_SECONDS of sandbox time, whichever comes first; non-video bytes fail."""
    if media.status != Status.PROCESSING or media.forced_outcome == MediaUpload.ForcedOutcome.STUCK:
        return media
    elapsed = (sandbox_now() - media.uploaded_at).total_seconds()
    if (
        media.polls_while_processing >= conf.media_processing_polls()
        or elapsed >= conf.media_processing_seconds()
    ):
        failed = media.forced_outcome == MediaUpload.ForcedOutcome.FAIL or not media.looks_like_video
        media.status = Status.FAILED if failed else Status.SUCCEEDED
    else:
        media.polls_while_processing += 1
    media.save(update_fields=["status", "polls_while_processing"])
    return media


def media_force_outcome(*, media: MediaUpload, outcome: str) -> MediaUpload:
    """Fault injection: make this upload stick in processing or fail (at once if it had finished)."""
    media.forced_outcome = outcome
    if outcome == MediaUpload.ForcedOutcome.FAIL and media.status == Status.SUCCEEDED:
        media.status = Status.FAILED
    if outcome == MediaUpload.ForcedOutcome.STUCK and media.status in (Status.SUCCEEDED, Status.FAILED):
        media.status = Status.PROCESSING
    media.save(update_fields=["forced_outcome", "status"])
    return media
