"""``GET /api/v1/{tenant}/password-policy``: the rules the caller's next password must meet.

An app shows them beside its change-password form (and its own strength
meter) instead of learning them from 422 answers. A user whose password has
expired may read it too.
"""

from __future__ import annotations

from praxcloud.plugin import AUTHENTICATED, api_view, iso_time

from . import expiry, policy
from .config import NAME, tenant_settings


@api_view(route_name="password_policy.api", request_method="GET", permission=AUTHENTICATED,
          plugin=NAME)
def rules(request):
    user = request.praxcloud_identity.user
    settings = tenant_settings(request)
    return {
        "min_length": policy.minimum_for(request, user, settings),
        "max_length": settings["max_length"],
        "require_digit": settings["require_digit"],
        "require_upper": settings["require_upper"],
        "require_special": settings["require_special"],
        "history_count": settings["history_count"],
        "expire_days": settings["expire_days"],
        "expires_at": iso_time(expiry.expires_at(user, settings["expire_days"])),
        "context_words_refused": settings["block_context_words"],
        "breach_list": request.registry.get(policy.PWNED_KEY) is not None,
    }
