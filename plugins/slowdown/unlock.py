"""The owner's way past someone else's guessing: a one-time unlock link by e-mail.

When an account's failures in a row reach ``notify_after_failures``, its
owner (if the login is a user of the tenant) is mailed a link valid for an
hour. Opening it shows a page with one button (a mail scanner's GET changes
nothing); pressing it vouches for the address it is pressed from for a day:
the account-wide wait no longer holds that address back, and its own wait
for the account is lifted. The guesser's addresses keep their waits. The
link works once; only its hash is stored, in the shared state.
"""

from __future__ import annotations

from praxcloud.plugin import (
    find_user_by_email,
    hash_token,
    new_token,
    public_base_url,
    send_mail,
)

from . import gates
from .config import TRUST_HOURS, UNLOCK_LINK_MINUTES


def mail_link(request, login: str, failures: int) -> bool:
    """Mail the owner of ``login`` an unlock link; False when no active user has it."""
    user = find_user_by_email(request.tenant_db, login)
    if user is None or not user.is_active:
        return False
    state = gates.store(request)
    account, _generation = gates.account_keys(state, login)
    token = new_token()
    state.set(f"unlock:{hash_token(token)}", account, UNLOCK_LINK_MINUTES * 60)
    link = request.route_url("slowdown.unlock", tenant=request.tenant.slug, token=token,
                             _app_url=public_base_url(request))
    send_mail(request, user.email, f"{request.tenant.name}: failed logins to your account",
              f"There have been {failures} failed attempts in a row to log in to your account "
              f"at {request.tenant.name}, so logins to it are being slowed down.\n\n"
              "If that was you, or if you cannot log in because of it, open this link "
              f"within {UNLOCK_LINK_MINUTES} minutes, from the device you log in with:\n"
              f"{link}\n\n"
              "It lets that device's network in without the wait. If it was not you, "
              "someone may be guessing your password: choose a strong one, and tell your "
              "administrator.\n", durable=True)
    request.audit.record("slowdown.unlock_mailed", target=user.email,
                         details={"failures": failures}, durable=True)
    return True


def redeem(request, token: str) -> str | None:
    """Spend the link: the account digest it was for, or None (unknown, used, expired)."""
    if not token or len(token) > 200:
        return None
    state = gates.store(request)
    key = f"unlock:{hash_token(token)}"
    account = state.get(key)
    # Only the request that deletes the key uses it: a double click counts once.
    if account is None or not state.delete(key):
        return None
    gates.trust_address(request, account, TRUST_HOURS)
    return account
