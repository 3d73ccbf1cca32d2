"""The core's own first-factor backend: e-mail and password against the tenant's users.

An ordinary plugin marked ``trylast`` so that other auth backends (LDAP, ...)
are asked first and may take over any login.
"""

from __future__ import annotations

from sqlalchemy import select

from .auth import AuthenticationFailed
from .hookspecs import hookimpl
from .models import User, utcnow

NAME = "core.local_auth"


def find_user_by_email(tenant_db, email: str) -> User | None:
    return tenant_db.scalars(select(User).where(User.email == normalise_email(email))).first()


def normalise_email(email: str) -> str:
    return email.strip().lower()


@hookimpl(trylast=True)
def praxcloud_authenticate(request, login, password):
    context = request.registry.password_context
    user = find_user_by_email(request.tenant_db, login)
    if user is None or not user.password_hash:
        # Spend the same time as a real verification so timing reveals nothing.
        context.dummy_verify()
        raise AuthenticationFailed()
    ok, new_hash = context.verify_and_update(password, user.password_hash)
    if not ok:
        raise AuthenticationFailed()
    if new_hash:
        # An old scheme or cost: upgrade the stored hash now that we know the password.
        user.password_hash = new_hash
    user.last_login_at = utcnow()
    return user
