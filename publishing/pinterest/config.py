"""Where a workspace's Pinterest lives: the built-in sandbox or the real Pinterest.

The environment is a plain string ("sandbox" or "production") so this package never needs our
models; a workspace passes its own ``environment`` value.
"""

from dataclasses import dataclass, field

from django.conf import settings

SANDBOX = "sandbox"
PRODUCTION = "production"
ENVIRONMENTS = (SANDBOX, PRODUCTION)


@dataclass(frozen=True)
class PinterestEndpoints:
    environment: str
    api_base: str  # e.g. https://api.pinterest.com/v5 (no trailing slash)
    authorize_url: str  # the browser page that asks the user to approve our app
    app_id: str
    app_secret: str = field(repr=False)
    timeout_seconds: float = 20.0


# The settings each environment reads: API base, authorize page, app id, app secret.
SETTING_NAMES = {
    SANDBOX: (
        "SANDBOX_PINTEREST_API_BASE",
        "SANDBOX_PINTEREST_AUTHORIZE_URL",
        "SANDBOX_PINTEREST_APP_ID",
        "SANDBOX_PINTEREST_APP_SECRET",
    ),
    PRODUCTION: (
        "PINTEREST_API_BASE",
        "PINTEREST_OAUTH_AUTHORIZE_URL",
        "PINTEREST_APP_ID",
        "PINTEREST_APP_SECRET",
    ),
}


def pinterest_endpoints(environment: str) -> PinterestEndpoints:
    """The API base, authorize page and app credentials for one environment.

    Read at call time, so a settings change (or a test's override) applies at once."""
    if environment not in SETTING_NAMES:
        raise ValueError(f"Unknown Pinterest environment {environment!r}; expected one of {ENVIRONMENTS}")
    api_base, authorize_url, app_id, app_secret = (
        getattr(settings, name) for name in SETTING_NAMES[environment]
    )
    return PinterestEndpoints(
        environment=environment,
        api_base=api_base.rstrip("/"),
        authorize_url=authorize_url,
        app_id=app_id,
        app_secret=app_secret,
        timeout_seconds=settings.PINTEREST_TIMEOUT_SECONDS,
    )
