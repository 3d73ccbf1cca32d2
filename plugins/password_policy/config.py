"""The plugin's name and per-tenant settings (their schema and defaults).

The defaults follow NIST SP 800-63B-4 (3.1.1.2) and OWASP ASVS 5.0 (V6.2):
15 characters for a user who signs in with a password alone, 8 for one the
tenant requires to use a second factor, at least 64 accepted, every Unicode
character allowed, no composition rules, no forced change, a blocklist.
What a contract may ask beyond that carries ``x-against-advice``: the
consoles mark it whenever it is switched on.
"""

from __future__ import annotations

NAME = "password_policy"

# NIST SP 800-63B-4 3.1.1.2: "at least 15 characters" when the password is
# the only factor, "at least 8" when it is part of multi-factor authentication.
PASSWORD_ONLY_MIN = 15
WITH_SECOND_FACTOR_MIN = 8
# Each remembered password costs one Argon2id check per change: keep it bounded.
MAX_HISTORY = 24

COMPOSITION_ADVICE = ("NIST SP 800-63B-4 3.1.1.2 and OWASP ASVS 5.0 V6.2 advise against "
                      "composition rules: people answer them with predictable passwords "
                      "(Password1!).")

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "min_length": {
            "type": ["integer", "null"], "minimum": 8, "maximum": 128, "default": None,
            "title": "Minimum length of the tenant's own",
            "description": "Empty: 15 characters for users who sign in with a password alone, "
                           "8 for users who must use a second factor. A number: that minimum "
                           "for everyone (never below 8)",
            "x-against-advice": "NIST SP 800-63B-4 asks 15 characters when the password is the "
                                "only factor and 8 with a second factor; one number for "
                                "everyone departs from it.",
        },
        "max_length": {
            "type": "integer", "minimum": 64, "maximum": 1024, "default": 256,
            "title": "Maximum length",
            "description": "Longer passphrases are refused; NIST asks that at least 64 "
                           "characters be accepted",
        },
        "require_digit": {
            "type": "boolean", "default": False, "title": "Require a digit",
            "x-against-advice": COMPOSITION_ADVICE,
        },
        "require_upper": {
            "type": "boolean", "default": False, "title": "Require a capital letter",
            "x-against-advice": COMPOSITION_ADVICE,
        },
        "require_special": {
            "type": "boolean", "default": False,
            "title": "Require a special character (not a letter or digit)",
            "x-against-advice": COMPOSITION_ADVICE,
        },
        "history_count": {
            "type": "integer", "minimum": 0, "maximum": MAX_HISTORY, "default": 0,
            "title": "Refuse the last N passwords",
            "description": "0: off. Otherwise a user cannot choose their current password or "
                           "one of the N-1 before it (their hashes are kept from the moment "
                           "this is switched on)",
            "x-against-advice": "NIST SP 800-63B-4 does not ask for a password history; the "
                                "blocklist is what keeps known passwords out.",
        },
        "expire_days": {
            "type": "integer", "minimum": 0, "maximum": 3650, "default": 0,
            "title": "Force a change every N days",
            "description": "0: off. Otherwise a password older than this must be changed "
                           "right after login",
            "x-against-advice": "NIST SP 800-63B-4 3.1.1.2 and OWASP ASVS 5.0 V6.2 advise "
                                "against periodic changes: ask for one only on evidence of "
                                "compromise.",
        },
        "block_context_words": {
            "type": "boolean", "default": True,
            "title": "Refuse the user's e-mail, name and the organisation's name",
        },
    },
    "additionalProperties": False,
}

# The platform operator's ini key (praxcloud.plugin.password_policy.<key>): a
# local copy of the Pwned Passwords SHA-1 file, ordered by hash.
PWNED_FILE_KEY = "pwned_passwords_file"


def tenant_settings(request) -> dict:
    """This tenant's settings, defaults filled in."""
    return request.registry.plugin_host.tenant_settings(request.tenant, NAME)
