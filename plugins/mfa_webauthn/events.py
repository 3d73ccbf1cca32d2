"""What is written down and who is told when a user's keys change or a sign-in fails.

Audit events of the plugin (besides the core's ``login`` and ``mfa.verify``):
``mfa.webauthn.register``, ``.rename``, ``.remove``, ``.passkey`` (failed
passwordless sign-ins) and ``.clone_suspected`` (written by the service).
Failures are durable: the request that failed is rolled back, its trace is
not. The user gets a mail when a key is added or removed.
"""

from __future__ import annotations

from praxcloud.plugin import notify_user

REGISTER = "mfa.webauthn.register"
RENAME = "mfa.webauthn.rename"
REMOVE = "mfa.webauthn.remove"
PASSKEY = "mfa.webauthn.passkey"


def registered(request, user, key) -> None:
    request.audit.record(REGISTER, target=user.email,
                         details={"credential": key.id, "name": key.name})
    notify_user(request, user, "a security key was added",
                f"The security key “{key.name}” was added to your account. It can now be "
                "used to sign in.")


def registration_failed(request, user, reason: str) -> None:
    request.audit.record(REGISTER, outcome="failure", target=user.email,
                         details={"reason": reason}, durable=True)


def renamed(request, user, key, old_name: str) -> None:
    request.audit.record(RENAME, target=user.email,
                         details={"credential": key.id, "name": key.name, "old_name": old_name})


def removed(request, user, key_id: int, name: str) -> None:
    request.audit.record(REMOVE, target=user.email, details={"credential": key_id, "name": name})
    notify_user(request, user, "a security key was removed",
                f"The security key “{name}” was removed from your account. It can no longer "
                "be used to sign in.")


def passkey_failed(request, reason: str) -> None:
    request.audit.record(PASSKEY, outcome="failure", target=None, details={"reason": reason},
                         durable=True)
