"""The sandbox's tunables. Each is read at call time (not import time) so tests can change them
with pytest-django's ``settings`` fixture, and a live server thread sees the change at once."""

from django.conf import settings

# Lifetimes Pinterest documents or that every third-party mock agrees on (reference §2.2).
ACCESS_TOKEN_SECONDS = 30 * 24 * 3600  # 2592000
REFRESH_TOKEN_SECONDS = 60 * 24 * 3600  # 5184000, the continuous refresh token
AUTHORIZATION_CODE_SECONDS = 10 * 60
UPLOAD_POLICY_SECONDS = 60 * 60

# Third-party limits (Pinterest's API reference states none for boards).
BOARD_NAME_MAX = 50
BOARD_DESCRIPTION_MAX = 500
SECTION_NAME_MAX = 180


def rate_limit_per_minute() -> int:
    """Calls one access token may make per minute of sandbox time."""
    return int(getattr(settings, "SANDBOX_RATE_LIMIT_PER_MINUTE", 1000))


def analytics_rate_limit_per_minute() -> int:
    """Calls one access token may make per minute to the analytics endpoints (their own category,
    ``org_analytics``, counted apart from the rest as Pinterest's Standard access does)."""
    return int(getattr(settings, "SANDBOX_ANALYTICS_RATE_LIMIT_PER_MINUTE", 300))


def media_max_bytes() -> int:
    """Largest video the stand-in for S3 accepts (Pinterest: 2 GB)."""
    return int(getattr(settings, "SANDBOX_MEDIA_MAX_BYTES", 2 * 1024**3))


def media_processing_seconds() -> float:
    """Sandbox seconds after the upload at which processing finishes."""
    return float(getattr(settings, "SANDBOX_MEDIA_PROCESSING_SECONDS", 3))


def media_processing_polls() -> int:
    """Status polls answered ``processing`` before processing finishes, whatever the clock says."""
    return int(getattr(settings, "SANDBOX_MEDIA_PROCESSING_POLLS", 1))


def min_image_side() -> int:
    """Base64 images narrower or shorter than this are "too small" (403 code 233)."""
    return int(getattr(settings, "SANDBOX_MIN_IMAGE_SIDE", 1))


def rotated_refresh_token_stays_valid() -> bool:
    """Whether a refresh token keeps working after it was rotated (reference §11.7)."""
    return bool(getattr(settings, "SANDBOX_ROTATED_REFRESH_TOKEN_STAYS_VALID", False))


def app_id() -> str:
    return settings.SANDBOX_PINTEREST_APP_ID


def app_secret() -> str:
    return settings.SANDBOX_PINTEREST_APP_SECRET


def enabled() -> bool:
    """Whether this server serves the sandbox at all (``SANDBOX_ENABLED``, on by default)."""
    return bool(getattr(settings, "SANDBOX_ENABLED", True))


# Where Pinboard's two OAuth callbacks live (the dashboard's and the API's), relative to SITE_URL.
DEFAULT_REDIRECT_PATHS = ("/app/accounts/oauth/callback", "/v1/pinterest/oauth/callback")


def registered_redirect_uris() -> list[str]:
    """The redirect URIs registered for the sandbox's one app, as a Pinterest app registers its
    own: ``SANDBOX_PINTEREST_REDIRECT_URIS`` if set, else the two callbacks of this server."""
    configured = getattr(settings, "SANDBOX_PINTEREST_REDIRECT_URIS", None)
    if configured:
        return list(configured)
    site = settings.SITE_URL.rstrip("/")
    return [f"{site}{path}" for path in DEFAULT_REDIRECT_PATHS]
