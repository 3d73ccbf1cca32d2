"""Random secrets handed to clients, and the hashes that are all we keep of them."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# 32 bytes = 256 bits from the OS CSPRNG; well above the 128 bits required.
TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
