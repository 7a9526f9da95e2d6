"""Small, strict readers of the process environment.

Every setting that comes from outside goes through one of these, so a typo in a
deployment fails at start-up with a message naming the variable, instead of
quietly running with a default. ``NAME_FILE`` is honoured for every variable so
secrets can come from mounted files (Docker/Kubernetes secrets).
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ImproperlyConfiguredEnv(RuntimeError):
    """Raised when an environment variable is missing or malformed."""


def _raw(name: str) -> str | None:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfiguredEnv(f"{name}_FILE points at an unreadable file: {exc}") from exc
    return os.environ.get(name)


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = _raw(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfiguredEnv(f"{name} must be set")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfiguredEnv(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfiguredEnv(f"{name} must be an integer, got {value!r}") from None
    if minimum is not None and number < minimum or maximum is not None and number > maximum:
        raise ImproperlyConfiguredEnv(f"{name} must be between {minimum} and {maximum}, got {number}")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """Comma-separated items; unset or empty (``NAME=`` as in .env.example) gives the default."""
    value = _raw(name)
    if value is None or not value.strip():
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    """An absolute http(s) URL without a trailing slash (``SITE_URL``): scheme and host are checked
    here so a typo fails at start-up instead of in the first OAuth redirect or email link."""
    value = env_str(name, default, required=required)
    if value is None:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfiguredEnv(f"{name} must be an absolute http(s) URL such as https://pinboard.example.com, "
                                      f"got {value!r}")
    if parts.query or parts.fragment:
        raise ImproperlyConfiguredEnv(f"{name} must not carry a query or fragment, got {value!r}")
    return value.strip().rstrip("/")


def env_fernet_keys(name: str, *, required: bool = False) -> str | None:
    """A comma-separated list of Fernet keys (first encrypts, all decrypt), each checked to be one.

    The message names the variable and the position of a bad key, never the key itself."""
    value = env_str(name, required=required)
    if value is None:
        return None
    keys = [key.strip() for key in value.split(",") if key.strip()]
    if not keys:
        raise ImproperlyConfiguredEnv(f"{name} must hold at least one Fernet key")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ImproperlyConfiguredEnv(
                f"{name}: key {position} of {len(keys)} is not a Fernet key (32 url-safe base64-encoded bytes; "
                'make one with: python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())")'
            ) from None
    return ",".join(keys)
