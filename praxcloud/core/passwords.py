"""Password hashing: Argon2id through libpass's CryptContext.

Hashes of older schemes (bcrypt, pbkdf2) still verify and are replaced by
Argon2id the next time their owner logs in.
"""

from __future__ import annotations

from passlib.context import CryptContext


def make_context(settings=None) -> CryptContext:
    settings = settings or {}
    # Tests lower the cost through the ini so the suite stays fast; production
    # keeps the library's defaults (argon2-cffi's RFC 9106 low-memory profile).
    rounds = int(settings.get("praxcloud.argon2.rounds", 0) or 0)
    memory = int(settings.get("praxcloud.argon2.memory_cost", 0) or 0)
    kwargs = {}
    if rounds:
        kwargs["argon2__rounds"] = rounds
    if memory:
        kwargs["argon2__memory_cost"] = memory
    return CryptContext(
        schemes=["argon2", "bcrypt", "pbkdf2_sha256"],
        default="argon2",
        deprecated=["bcrypt", "pbkdf2_sha256"],
        argon2__type="ID",
        **kwargs,
    )
