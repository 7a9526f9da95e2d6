"""Encryption at rest for secrets we must be able to read back (OAuth tokens, webhook secrets).

Fernet (AES-128-CBC + HMAC) from `cryptography`. The key is FIELD_ENCRYPTION_KEY, or one derived
from SECRET_KEY when that is unset; MultiFernet accepts a comma-separated list so keys can be
rotated (the first encrypts, all decrypt).
"""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@cache
def _fernet() -> MultiFernet:
    raw_keys = [k.strip() for k in (settings.FIELD_ENCRYPTION_KEY or "").split(",") if k.strip()]
    if not raw_keys:
        derived = hashlib.sha256(f"pinboard-field-encryption:{settings.SECRET_KEY}".encode()).digest()
        raw_keys = [base64.urlsafe_b64encode(derived).decode()]
    return MultiFernet([Fernet(key) for key in raw_keys])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("Stored secret cannot be decrypted with the configured keys") from exc


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; the Python value is the plaintext ('' stays '')."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)
