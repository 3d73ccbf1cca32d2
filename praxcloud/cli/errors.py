"""Turning the services' exceptions into one-line errors on stderr and a non-zero exit.

The services raise the same exceptions for the console, the API and the
CLI; here each kind a user can cause (unknown tenant, invalid slug,
duplicate e-mail, invalid plugin settings, an unreachable or unmigrated
database) becomes a :class:`click.ClickException`. Anything else is a bug
and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import exc as sa_exc

from ..core.crypto import KeyError_
from ..core.errors import ApiError
from ..core.plugins import PluginError
from ..core.provisioning import TenantExists, TenantNotFound
from ..core.tenancy import InvalidSlug


def with_fields(message: str, fields: dict | None) -> str:
    """The message, then one indented line per field that was wrong."""
    lines = [message]
    lines.extend(f"  {name}: {text}" for name, text in sorted((fields or {}).items()))
    return "\n".join(lines)


def _postgres_errors() -> tuple[type[BaseException], ...]:
    try:
        import psycopg2
    except ImportError:  # pragma: no cover - psycopg2 is a dependency; be safe without it
        return ()
    return (psycopg2.Error,)


@contextmanager
def friendly_errors() -> Iterator[None]:
    try:
        yield
    except click.ClickException:
        raise
    except TenantNotFound as exc:
        raise click.ClickException(f"no tenant named {exc.slug!r}") from None
    except (InvalidSlug, TenantExists) as exc:
        raise click.ClickException(str(exc)) from None
    except PluginError as exc:
        raise click.ClickException(with_fields(str(exc), exc.fields)) from None
    except ApiError as exc:
        message = with_fields(exc.message, exc.fields)
        if exc.code == "plugin_unavailable":
            # The API keeps the reason from users; an operator needs it.
            message += (
                "\n  The tenant's contract enables a plugin that is broken or not installed:"
                "\n  see `praxcloud plugins list --tenant SLUG`."
            )
        raise click.ClickException(message) from None
    except HTTPNotFound:
        raise click.ClickException("no such tenant") from None
    except KeyError_ as exc:
        raise click.ClickException(f"key material: {exc}") from None
    except (sa_exc.OperationalError, sa_exc.ProgrammingError) as exc:
        raise click.ClickException(
            f"database error: {exc.orig}\n"
            "  Is the database reachable, and has `praxcloud -c INI db upgrade` been run?"
        ) from None
    except sa_exc.IntegrityError as exc:
        raise click.ClickException(f"the database refused the change: {exc.orig}") from None
    except _postgres_errors() as exc:
        raise click.ClickException(f"PostgreSQL: {str(exc).strip()}") from None
