"""What the tenant's policy asks of one user's password, and what it finds wrong with one.

:func:`rules_for` answers ``praxcloud_password_rules`` (the core applies the
lengths and shows the hint on every form); :func:`violations` answers
``praxcloud_validate_password`` with one sentence per rule broken, so the
user learns everything at once. Both run per request on the tenant's
current settings.
"""

from __future__ import annotations

import logging

from praxcloud.plugin import PasswordRules, second_factor_required

from . import blocklist, history
from .config import PASSWORD_ONLY_MIN, WITH_SECOND_FACTOR_MIN, tenant_settings

log = logging.getLogger(__name__)

PWNED_KEY = "password_policy.pwned_file"  # the registry's PwnedFile, when configured
METER_SCRIPTS = ["password_policy-zxcvbn-ts-core.js", "password_policy-zxcvbn-ts-common.js",
                 "password_policy-zxcvbn-ts-en.js", "password_policy-meter.js"]
METER_STYLESHEETS = ["password_policy-meter.css"]

COMMON = "this password is too common: it is on lists of leaked and often-used passwords."
CONTEXT = ("do not build the password from your e-mail address, your name or the "
           "organisation's name.")
BREACHED = "this password has appeared in a data breach; choose one that has not."
UNCHECKED = ("the password could not be checked against the list of breached passwords; "
             "please try again later.")


def minimum_for(request, user, settings: dict) -> int:
    """The shortest password ``user`` may choose (``None``: not created yet, so the lower one)."""
    if settings["min_length"] is not None:
        return settings["min_length"]
    if user is None or second_factor_required(request, user):
        return WITH_SECOND_FACTOR_MIN
    return PASSWORD_ONLY_MIN


def _hint(request, user, settings: dict) -> str:
    if settings["min_length"] is not None:
        length = f"At least {settings['min_length']} characters."
    elif user is None:
        length = (f"At least {PASSWORD_ONLY_MIN} characters, or {WITH_SECOND_FACTOR_MIN} for "
                  "people who must use two-step sign-in.")
    else:
        length = f"At least {minimum_for(request, user, settings)} characters."
    classes = [name for key, name in (("require_digit", "a digit"),
                                      ("require_upper", "a capital letter"),
                                      ("require_special", "a special character"))
               if settings[key]]
    if classes:
        length += " Include " + _and(classes) + "."
    return length + " A few unrelated words make a strong password; common ones are refused."


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def rules_for(request, user) -> PasswordRules:
    settings = tenant_settings(request)
    return {"min_length": minimum_for(request, user, settings),
            "max_length": settings["max_length"],
            "hint": _hint(request, user, settings),
            "scripts": list(METER_SCRIPTS),
            "stylesheets": list(METER_STYLESHEETS)}


def context_words(request, user) -> list[str]:
    """NIST's "context-specific words": who the user is and where."""
    words = [request.tenant.name, request.tenant.slug]
    if user is not None:
        words += [user.email, user.display_name]
    return [word for word in words if word]


def violations(request, user, password: str) -> list[tuple[str, str]]:
    """Every rule ``password`` (normalised) breaks: its code and one lower-case sentence."""
    settings = tenant_settings(request)
    found = []
    if settings["require_digit"] and not any(c.isdigit() for c in password):
        found.append(("digit", "include a digit."))
    if settings["require_upper"] and not any(c.isupper() for c in password):
        found.append(("upper", "include a capital letter."))
    if settings["require_special"] and all(c.isalnum() for c in password):
        found.append(("special", "include a special character (not a letter or digit)."))
    if blocklist.is_common(password):
        found.append(("common", COMMON))
    elif settings["block_context_words"] and blocklist.uses_context_words(
            password, context_words(request, user)):
        found.append(("context", CONTEXT))
    breached = _breached(request, password)
    if breached:
        found.append(breached)
    # A forced change that accepts the same password again changes nothing.
    count = settings["history_count"] or (1 if settings["expire_days"] else 0)
    if count and history.reuses(request, user, password, count):
        found.append(("history", "do not reuse your current password." if count == 1 else
                      f"do not reuse your current password or one of the {count - 1} "
                      "before it."))
    return found


def _breached(request, password: str) -> tuple[str, str] | None:
    """The breach list's objection, if the operator configured one.

    Fails closed: a file that cannot be read refuses the password (and says
    so) rather than letting a breached one through.
    """
    pwned = request.registry.get(PWNED_KEY)
    if pwned is None or len(password) < WITH_SECOND_FACTOR_MIN:
        return None
    try:
        return ("breached", BREACHED) if pwned.count(password) > 0 else None
    except (OSError, ValueError):
        log.exception("password_policy: the Pwned Passwords file %s could not be searched; "
                      "the password is refused", pwned.path)
        return ("breach_check_failed", UNCHECKED)
