"""Platform and tenant models; the public names plugins may import."""

from .meta import PlatformBase, TenantBase
from .operator_mfa import (
    OperatorPendingLogin,
    OperatorTotp,
    OperatorWebauthnChallenge,
    OperatorWebauthnKey,
)
from .platform import (
    TENANT_ACTIVE,
    TENANT_SUSPENDED,
    TENANTS_VERSION,
    CacheVersion,
    Operator,
    OperatorSession,
    PlatformAuditEvent,
    Tenant,
    TenantPlugin,
)
from .sessions import KIND_API, KIND_CONSOLE
from .tenant import (
    INVITATION_LINK,
    RESET_LINK,
    AuditEvent,
    AuditSubject,
    AuthSession,
    Group,
    LoginChallenge,
    PasswordReset,
    Record,
    User,
    user_groups,
)
from .types import UTCDateTime, utcnow

__all__ = [
    "INVITATION_LINK",
    "RESET_LINK",
    "KIND_API",
    "KIND_CONSOLE",
    "TENANT_ACTIVE",
    "TENANT_SUSPENDED",
    "TENANTS_VERSION",
    "AuditEvent",
    "AuditSubject",
    "AuthSession",
    "CacheVersion",
    "Group",
    "LoginChallenge",
    "Operator",
    "OperatorPendingLogin",
    "OperatorSession",
    "OperatorTotp",
    "OperatorWebauthnChallenge",
    "OperatorWebauthnKey",
    "PasswordReset",
    "PlatformAuditEvent",
    "PlatformBase",
    "Record",
    "Tenant",
    "TenantBase",
    "TenantPlugin",
    "UTCDateTime",
    "User",
    "user_groups",
    "utcnow",
]
