"""The operator's way past someone else's guessing: a one-time unlock link by e-mail.

When an operator login's failed passwords in a row reach
``praxcloud.operator_login_notify_after_failures`` (10), the operator is
mailed a link valid for an hour (sent at once, though the login is
refused). Opening it shows a page with one button (a mail scanner's GET
changes nothing); pressing it vouches for the address it is pressed from
for a day: the login-wide wait no longer holds that address back, and its
own wait for the login is lifted (:meth:`.limits.OperatorLoginLimit.trust_address`).
The guesser's addresses keep their waits. The link works once: the token is
random, only its hash is kept, in the shared state, and only the request
that deletes it uses it.

When someone runs out an operator's second-factor answers, the operator is
told too (no link: whoever did it knows the password).
"""

from __future__ import annotations

from ..accounts import public_base_url
from ..mail import send_mail
from ..models import Operator
from ..tokens import hash_token, new_token
from .limits import TRUST_HOURS, UNLOCK_LINK_MINUTES, OperatorLoginLimit, login_key, store

ROUTE = "platform.unlock"
MAX_TOKEN = 200


def _key(token: str) -> str:
    return f"unlock:{hash_token(token)}"


def mail_unlock_link(request, operator: Operator, failures: int) -> str:
    """Mail ``operator`` an unlock link (raises SharedStateError when it cannot be kept)."""
    token = new_token()
    store(request).set(_key(token), login_key(operator.email), UNLOCK_LINK_MINUTES * 60)
    link = request.route_url(ROUTE, token=token, _app_url=public_base_url(request))
    send_mail(request, operator.email, "PraxCloud platform: failed logins to your account",
              f"There have been {failures} failed attempts in a row to log in to your "
              "platform operator account, so logins to it are being slowed down.\n\n"
              "If that was you, or if you cannot log in because of it, open this link "
              f"within {UNLOCK_LINK_MINUTES} minutes, from the device you log in with:\n"
              f"{link}\n\n"
              f"It lets that device's network in without the wait for {TRUST_HOURS} hours. "
              "If it was not you, someone may be guessing your password: choose a strong "
              "one, and tell the other operators.\n", durable=True)
    return token


def mail_second_factor_warning(request, operator: Operator, answers: int) -> None:
    send_mail(request, operator.email, "PraxCloud platform: your password is known to someone",
              "Your platform operator password was entered right, and then the second step "
              f"of the login was answered wrong {answers} times: further answers are refused "
              "for a while.\n\n"
              "If that was not you, someone knows your password: change it now, and tell the "
              "other operators.\n", durable=True)


def redeem(request, token: str) -> str | None:
    """Spend the link from the request's address: the login key it was for, or None
    (unknown, used, expired). Raises SharedStateError when the store cannot answer."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
        return None
    state = store(request)
    key = _key(token)
    who = state.get(key)
    # Only the request that deletes the key uses it: a double click counts once.
    if who is None or not state.delete(key):
        return None
    OperatorLoginLimit(request, who=who).trust_address()
    return who
