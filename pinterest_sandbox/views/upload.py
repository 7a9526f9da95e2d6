"""The stand-in for Pinterest's S3 bucket: the ``upload_url`` of ``POST /v5/media``.

Like an S3 POST-policy upload it takes multipart/form-data whose fields echo every
``upload_parameters`` value, then the file as the field ``file`` (fields after it are ignored,
as S3 ignores them), answers 204, and refuses problems with S3's XML errors. The file is
streamed: only its first bytes (to tell a video from anything else) are kept, never the whole.
"""

import uuid
from xml.sax.saxutils import escape

import filetype
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import ChunkIter, LazyStream, MultiPartParserError, Parser
from django.utils.http import parse_header_parameters
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from pinterest_sandbox import conf, faults
from pinterest_sandbox.clock import sandbox_now
from pinterest_sandbox.models import MediaUpload
from pinterest_sandbox.services.media import media_upload_receive, upload_signature_valid

CHUNK_BYTES = 64 * 1024
SNIFF_BYTES = 8192
FIELD_MAX_BYTES = 16 * 1024


class S3Error(Exception):
    def __init__(self, status: int, code: str, message: str, **extra):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def response(self) -> HttpResponse:
        extra = "".join(f"<{name}>{escape(str(value))}</{name}>" for name, value in self.extra.items())
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{self.code}</Code><Message>{escape(self.message)}</Message>{extra}"
            f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId><HostId>sandbox</HostId></Error>"
        )
        return HttpResponse(body, status=self.status, content_type="application/xml")


def _too_large(size: int, limit: int) -> S3Error:
    return S3Error(
        400,
        "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed size",
        ProposedSize=size,
        MaxSizeAllowed=limit,
    )


def _no_file() -> S3Error:
    return S3Error(400, "InvalidArgument", "POST requires exactly one file upload per request.")


class ReceivedFile:
    def __init__(self):
        self.size = 0
        self.head = b""


def _read_parts(request: HttpRequest, limit: int) -> tuple[dict[str, str], ReceivedFile | None]:
    """Fields up to the ``file`` part, and the file's size and first bytes, in one streamed pass."""
    content_type, options = parse_header_parameters(request.META.get("CONTENT_TYPE", ""))
    boundary = options.get("boundary", "")
    if content_type != "multipart/form-data" or not boundary:
        raise S3Error(
            412, "PreconditionFailed", "Bucket POST must be of the enclosure-type multipart/form-data"
        )
    fields: dict[str, str] = {}
    received = None
    stream = LazyStream(ChunkIter(request, CHUNK_BYTES))
    for item_type, meta, part in Parser(stream, boundary.encode("ascii")):
        _, disposition = meta.get("content-disposition", ("", {}))
        name = disposition.get("name", b"").decode("utf-8", errors="replace")  # Django's parser gives bytes
        if item_type == "file" and name != "file":
            raise _no_file()
        if name == "file":
            received = ReceivedFile()
            for chunk in part:
                received.size += len(chunk)
                if len(received.head) < SNIFF_BYTES:
                    received.head += chunk[: SNIFF_BYTES - len(received.head)]
                if received.size > limit:
                    raise _too_large(received.size, limit)
            break  # S3 ignores everything after the file
        value = part.read(FIELD_MAX_BYTES + 1)
        if len(value) > FIELD_MAX_BYTES:
            raise S3Error(
                400,
                "MaxPostPreDataLengthExceeded",
                "Your POST request fields preceding the upload file were too large.",
            )
        fields[name] = value.decode("utf-8", errors="replace")
    return fields, received


def _check_policy(fields: dict[str, str], media: MediaUpload) -> None:
    issued = media.upload_parameters
    if not upload_signature_valid(fields.get("policy", ""), fields.get("x-amz-signature", "")):
        raise S3Error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    if media.policy_expires_at <= sandbox_now():
        raise S3Error(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    for name, value in issued.items():
        if fields.get(name) != value:
            raise S3Error(
                403,
                "AccessDenied",
                f'Invalid according to Policy: Policy Condition failed: ["eq", "${name}", "{value}"]',
            )


@csrf_exempt
@require_POST
def media_upload(request: HttpRequest) -> HttpResponse:
    limit = conf.media_max_bytes()
    try:
        try:
            faults.apply_before(faults.plan_for("media.upload"), request)
        except faults.FaultAnswer as answer:
            return answer.response
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > limit + FIELD_MAX_BYTES * 16:
            # Refuse before reading a byte: the body cannot fit under the limit.
            raise _too_large(declared, limit)
        try:
            fields, received = _read_parts(request, limit)
        except MultiPartParserError:
            raise S3Error(
                400,
                "MalformedPOSTRequest",
                "The body of your POST request is not well-formed multipart/form-data.",
            ) from None
        if "key" not in fields:
            raise S3Error(
                400,
                "InvalidArgument",
                "Bucket POST must contain a field named 'key'.  "
                "If it is specified, please check the order of the fields.",
            )
        if received is None:
            raise _no_file()
        if received.size == 0:
            raise S3Error(
                400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size"
            )
        with transaction.atomic():
            media = MediaUpload.objects.select_for_update().filter(upload_key=fields["key"]).first()
            if media is None:
                raise S3Error(
                    403,
                    "AccessDenied",
                    'Invalid according to Policy: Policy Condition failed: ["eq", "$key"]',
                )
            _check_policy(fields, media)
            kind = filetype.guess(received.head)
            media_upload_receive(
                media=media,
                size=received.size,
                mime=kind.mime if kind else None,
                is_video=bool(kind and filetype.is_video(received.head)),
            )
    except S3Error as exc:
        return exc.response()
    return HttpResponse(status=204)
