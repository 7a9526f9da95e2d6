"""Pinterest's error answers: ``{code, message}`` bodies with the codes and texts of the
reference (/work/shared/reference/pinterest-v5.md §7)."""

from django.http import JsonResponse

AUTHENTICATION_FAILED = "Authentication failed."
MISSING_SCOPE = (
    "Your token does not have sufficient permissions to perform this operation. "
    "Please ensure your token is authorized with the correct set of scopes."
)
NOT_PERMITTED = "You are not permitted to access that resource."
RATE_LIMITED = (
    "This request exceeded a rate limit. This can happen if the client exceeds one of the published rate "
    "limits or if multiple write operations are applied to an object within a short time window."
)
INVALID_URL = "Whoops! It looks like you entered an invalid URL. Try creating a Pin again with a valid URL."
IMAGE_TOO_SMALL = "Your image is too small. Please choose a larger image and try again."
IMAGE_BROKEN = "Sorry, this image is broken. Please pick a different image."
IMAGE_UNREACHABLE = "Sorry, we could not fetch the image."
SERVER_ERROR = "Something went wrong on our end. Sorry about that."


class SandboxError(Exception):
    """An answer Pinterest would give instead of a result."""

    def __init__(self, status: int, code: int, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> JsonResponse:
        return JsonResponse({"code": self.code, "message": self.message}, status=self.status)


def invalid(message: str) -> SandboxError:
    """400 code 1: a bad parameter or body."""
    return SandboxError(400, 1, message)


def authentication_failed() -> SandboxError:
    return SandboxError(401, 2, AUTHENTICATION_FAILED)


def missing_scope() -> SandboxError:
    return SandboxError(401, 3, MISSING_SCOPE)


def not_permitted() -> SandboxError:
    return SandboxError(403, 29, NOT_PERMITTED)


def board_not_found() -> SandboxError:
    return SandboxError(404, 40, "Board not found.")


def pin_not_found() -> SandboxError:
    return SandboxError(404, 50, "Pin not found.")


def section_not_found() -> SandboxError:
    return SandboxError(404, 2031, "Sorry! We couldn't find this board section.")


def media_not_found() -> SandboxError:
    return SandboxError(404, 404, "Media upload not found")


def rate_limited() -> SandboxError:
    return SandboxError(429, 8, RATE_LIMITED)
