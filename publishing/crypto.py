"""Encryption at rest for secrets we must be able to read back (OAuth tokens, webhook secrets).

Fernet (AES-128-CBC + HMAC) from `cryptography`. The key is FIELD_ENCRYPTION_KEY (required in
production), or in development one derived from SECRET_KEY when that is unset; MultiFernet accepts
a comma-separated list so keys can be rotated (the first encrypts, all decrypt;
``manage.py rotate_encryption_key`` moves stored values to the first).
"""

import base64
import hashlib
from functools import cache
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver


@cache
def _keys() -> tuple[Fernet, ...]:
    raw_keys = [k.strip() for k in (settings.FIELD_ENCRYPTION_KEY or "").split(",") if k.strip()]
    if not raw_keys:
        derived = hashlib.sha256(f"pinboard-field-encryption:{settings.SECRET_KEY}".encode()).digest()
        raw_keys = [base64.urlsafe_b64encode(derived).decode()]
    return tuple(Fernet(key) for key in raw_keys)


@cache
def _fernet() -> MultiFernet:
    return MultiFernet(list(_keys()))


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: Any) -> None:
    """Tests (and ``override_settings``) change the keys; the cached ciphers must follow."""
    if setting in ("FIELD_ENCRYPTION_KEY", "SECRET_KEY"):
        _keys.cache_clear()
        _fernet.cache_clear()


def is_under_newest_key(ciphertext: str) -> bool:
    """Whether the first (encrypting) key alone reads this value: rotation leaves it as it is."""
    try:
        _keys()[0].decrypt(ciphertext.encode())
    except InvalidToken:
        return False
    return True


def reencrypt(ciphertext: str) -> str:
    """The same secret encrypted under the newest key (MultiFernet.rotate: decrypt with any, encrypt
    with the first). Raises ValueError when no configured key reads it."""
    try:
        return _fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("Stored secret cannot be decrypted with the configured keys") from exc


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("Stored secret cannot be decrypted with the configured keys") from exc


# django-stubs makes fields generic (the type set, the type read); Django's own classes are not
# subscriptable at run time, so only the checker sees the parameters.
if TYPE_CHECKING:
    _PlainTextField = models.TextField[str, str]
else:
    _PlainTextField = models.TextField


class EncryptedTextField(_PlainTextField):
    """A text column stored encrypted; the Python value is the plaintext ('' stays '')."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)
