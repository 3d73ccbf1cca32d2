"""Password hooks: the tenant's policy and its rules, and a password just set."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..hook_types import PasswordRules
from .markers import hookspec

if TYPE_CHECKING:  # only for the annotations: hookspecs import nothing else of the core
    from pyramid.request import Request

    from ..models import User


@hookspec
def praxcloud_validate_password(request: Request, user: User, password: str) -> list[str]:
    """Return a list of messages for the ways ``password`` breaks the tenant's policy.

    ``password`` is normalised (NFKC); the core checks the lengths of
    ``praxcloud_password_rules`` itself. ``user`` may not be flushed yet (``id`` is
    ``None`` while an administrator creates it). Every plugin's messages are
    shown together, one sentence each.
    """


@hookspec(firstresult=True)
def praxcloud_password_rules(request: Request, user: User | None) -> PasswordRules | None:
    """Return the tenant's password rules for ``user``, or ``None`` for the core's.

    ``user`` is ``None`` on a form for a user who does not exist yet. The core
    checks the lengths before ``praxcloud_validate_password``, shows the hint
    under every new-password field and loads the scripts on those forms.
    """


@hookspec
def praxcloud_password_changed(request: Request, user: User) -> None:
    """``user``'s password was just set (changed, reset or created)."""
