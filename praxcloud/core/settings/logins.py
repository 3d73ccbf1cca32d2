"""Settings sections: passwords, and the limits on the login attempts of users and operators."""

from __future__ import annotations

from dataclasses import dataclass

from .base import LIMITS, OPERATORS, PASSWORDS, setting


@dataclass(frozen=True)
class PasswordHashingSettings:
    """Password hashing."""

    argon2_rounds: int = setting(
        0, "Argon2 time cost; 0 keeps the library's default (tests lower it to run fast).",
        PASSWORDS, key="praxcloud.argon2.rounds", minimum=0)
    argon2_memory_cost: int = setting(
        0, "Argon2 memory cost in KiB; 0 keeps the library's default.", PASSWORDS,
        key="praxcloud.argon2.memory_cost", minimum=0)


@dataclass(frozen=True)
class LoginLimitSettings:
    """Attempt limits, in force with no protection plugin (docs/security.md)."""

    login_limit_per_client: int = setting(
        10, "Login attempts per account and client address in a window.", LIMITS, minimum=1)
    login_limit_per_account: int = setting(
        50, "Login attempts per account, from any address, in a window.", LIMITS, minimum=1)
    login_limit_window_seconds: int = setting(
        15 * 60, "The login limits' window.", LIMITS, minimum=1)
    reset_mail_limit_per_email: int = setting(
        3, "Password-reset mails per account in a window.", LIMITS, minimum=1)
    reset_mail_limit_per_client: int = setting(
        20, "Forgot-password requests per client address in a window.", LIMITS, minimum=1)
    reset_mail_limit_window_seconds: int = setting(
        60 * 60, "The reset-mail limits' window.", LIMITS, minimum=1)


@dataclass(frozen=True)
class OperatorSettings:
    """Operators."""

    operator_mfa_required: bool = setting(
        False, "Operators confirm every login with a second factor; one without is held on "
        "the enrolment page.", OPERATORS)
    # The operator login's back-off (praxcloud.core.operator_mfa.limits, docs/security.md)
    operator_login_delays_seconds: str = setting(
        "2 4 16", "Operator login: the waits after the 1st, 2nd, 3rd ... failed password in a "
        "row, per login and client address (whole seconds, space or comma separated).",
        OPERATORS)
    operator_login_growth_factor: float = setting(
        4.0, "Operator login: beyond the delays listed, each wait is the one before times "
        "this.", OPERATORS, minimum=1)
    operator_login_max_delay_seconds: int = setting(
        900, "Operator login: the longest wait for one login from one client address.",
        OPERATORS, minimum=1)
    operator_login_account_max_delay_seconds: int = setting(
        30, "Operator login: the longest wait for a login from any address; kept low so that "
        "guessing from elsewhere cannot lock the operator out.", OPERATORS, minimum=1)
    operator_login_address_budget: int = setting(
        50, "Operator login attempts one client address may make over all logins in a window "
        "(against password spraying).", OPERATORS, minimum=1)
    operator_login_address_window_seconds: int = setting(
        3600, "The window of the operator login's per-address budget.", OPERATORS, minimum=1)
    operator_login_notify_after_failures: int = setting(
        10, "Failed operator logins in a row after which the operator is mailed a one-time "
        "unlock link.", OPERATORS, minimum=1)
    operator_login_second_factor_answers: int = setting(
        10, "Second-factor answers (and passwords to remove a factor) checked per operator "
        "in a window, from any address.", OPERATORS, minimum=1)
    operator_login_second_factor_window_seconds: int = setting(
        900, "The window of the operator's second-factor answers.", OPERATORS, minimum=1)
    operator_idle_minutes: int = setting(
        30, "An operator session ends after this long without a request.", OPERATORS, minimum=1)
    operator_lifetime_hours: float = setting(
        12.0, "An operator session ends this long after login, active or not.", OPERATORS)
