"""The core's own first-factor backend: e-mail and password against the tenant's users.

An ordinary plugin marked ``trylast`` so that other auth backends (LDAP, ...)
are asked first and may take over any login.
"""

from __future__ import annotations

from .auth import AuthenticationFailed
from .fields import codecs_of
from .hookspecs import hookimpl
from .models import User, utcnow
from .passwords import dummy_verify, verify_and_update

NAME = "core.local_auth"


def find_user_by_email(tenant_db, email: str) -> User | None:
    found = codecs_of(tenant_db).lookup(tenant_db, User, "email", normalise_email(email))
    return found[0] if found else None


def normalise_email(email: str) -> str:
    return email.strip().lower()


@hookimpl(trylast=True)
def praxcloud_authenticate(request, login, password):
    context = request.registry.password_context
    user = find_user_by_email(request.tenant_db, login)
    if user is None or not user.password_hash:
        # Spend the same time as a real verification so timing reveals nothing.
        dummy_verify(context, password)
        raise AuthenticationFailed()
    ok, new_hash = verify_and_update(context, password, user.password_hash)
    if not ok:
        raise AuthenticationFailed()
    if new_hash:
        # An old scheme or cost: upgrade the stored hash now that we know the password.
        user.password_hash = new_hash
    user.last_login_at = utcnow()
    return user
