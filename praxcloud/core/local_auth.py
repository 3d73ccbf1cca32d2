"""The core's own first-factor backend: e-mail and password against the tenant's users.

An ordinary plugin marked ``trylast`` so that other auth backends (LDAP, ...)
are asked first and may take over any login.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from .auth import AuthenticationFailed
from .fields import codecs_of
from .hookspecs import hookimpl
from .models import User, utcnow

NAME = "core.local_auth"

log = logging.getLogger(__name__)


def find_user_by_email(tenant_db, email: str) -> User | None:
    clause = codecs_of(tenant_db).match(User, "email", normalise_email(email))
    return tenant_db.scalars(select(User).where(clause)).first()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def verify_and_update(context, password: str, stored: str) -> tuple[bool, str | None]:
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


@hookimpl(trylast=True)
def praxcloud_authenticate(request, login, password):
    context = request.registry.password_context
    user = find_user_by_email(request.tenant_db, login)
    if user is None or not user.password_hash:
        # Spend the same time as a real verification so timing reveals nothing.
        context.dummy_verify()
        raise AuthenticationFailed()
    ok, new_hash = verify_and_update(context, password, user.password_hash)
    if not ok:
        raise AuthenticationFailed()
    if new_hash:
        # An old scheme or cost: upgrade the stored hash now that we know the password.
        user.password_hash = new_hash
    user.last_login_at = utcnow()
    return user
