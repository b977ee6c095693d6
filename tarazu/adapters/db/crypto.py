"""Encryption at rest for personal data (Fernet: AES-128-CBC + HMAC-SHA256)."""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet


class FieldCipher:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def encrypt_json(self, value: Any) -> bytes | None:
        if not value:
            return None
        return self._fernet.encrypt(json.dumps(value, sort_keys=True).encode())

    def decrypt_json(self, token: bytes | None) -> Any:
        if not token:
            return None
        return json.loads(self._fernet.decrypt(bytes(token)))
