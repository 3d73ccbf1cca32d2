"""Password hashing: Argon2id through libpass's CryptContext.

Hashes of older schemes (bcrypt, pbkdf2) still verify and are replaced by
Argon2id the next time their owner logs in. Every password is normalised
(NFKC) before it is hashed or checked, for tenant users and operators alike:
hash with :func:`hash_password`, check with :func:`verify_and_update`.
"""

from __future__ import annotations

import logging
import unicodedata

from passlib.context import CryptContext

from .settings import settings_of

log = logging.getLogger(__name__)


def make_context(settings=None) -> CryptContext:
    settings = settings or {}
    # Tests lower the cost through the ini so the suite stays fast; production
    # keeps the library's defaults (argon2-cffi's RFC 9106 low-memory profile).
    rounds = settings_of(settings).argon2_rounds
    memory = settings_of(settings).argon2_memory_cost
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


def normalise(password: str) -> str:
    """``password`` in Unicode NFKC, the form it is hashed and checked in.

    NIST SP 800-63B-4 (5.1.1.2): the same passphrase typed on two systems
    may arrive composed (``é``, NFC, as most keyboards send it) or
    decomposed (``e`` + combining accent, NFD); both must be one password.
    """
    return unicodedata.normalize("NFKC", password)


def hash_password(context: CryptContext, password: str) -> str:
    return context.hash(normalise(password))


def _verify_and_update(context: CryptContext, password: str,
                       stored: str) -> tuple[bool, str | None]:
    """``context.verify_and_update`` that answers "no" instead of raising.

    bcrypt (the ``bcrypt`` package from 5.0) refuses secrets over 72 bytes
    where older versions silently used the first 72, so a bcrypt hash made
    by those is checked against the same 72 bytes; the upgrade to Argon2id
    then hashes the whole password. A stored value no scheme recognises (or
    a secret a scheme cannot take, such as a NUL for bcrypt) is a failed
    login, not a server error.
    """
    try:
        return context.verify_and_update(password, stored)
    except ValueError:
        pass
    try:
        if context.identify(stored) == "bcrypt" and len(password.encode("utf-8")) > 72:
            secret = password.encode("utf-8")[:72]
            if context.verify(secret, stored):
                return True, context.hash(password)
    except ValueError:
        pass
    log.warning("a password check failed on a stored hash or secret its scheme cannot take")
    return False, None


def verify_and_update(context: CryptContext, password: str,
                      stored: str) -> tuple[bool, str | None]:
    """Whether ``password`` matches ``stored``, and the hash to store instead, if any.

    The normalised form is checked first. A hash made before passwords were
    normalised holds the raw form, so when the raw form differs and the
    normalised one failed, the raw form is tried once; if it matches, the
    answer carries a new hash of the normalised form, so the next login
    needs only the first check.
    """
    normal = normalise(password)
    ok, new_hash = _verify_and_update(context, normal, stored)
    if ok or normal == password:
        return ok, new_hash
    ok, _ = _verify_and_update(context, password, stored)
    return (True, context.hash(normal)) if ok else (False, None)


def matches(context: CryptContext, password: str, stored: str) -> bool:
    """Was ``stored`` made from ``password``? A malformed or unknown hash is no match."""
    return verify_and_update(context, password, stored)[0]


def dummy_verify(context: CryptContext, password: str) -> None:
    """Spend the time :func:`verify_and_update` would spend on a wrong ``password``.

    For an unknown account: a password whose raw form differs from its
    normalised one costs two checks on a real account, so it costs two here.
    """
    context.dummy_verify()
    if normalise(password) != password:
        context.dummy_verify()
