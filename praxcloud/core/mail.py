"""Sending mail only when the request's transaction commits.

Production sends through SMTP with pyramid_mailer (``mail.*`` settings),
whose ``send`` joins the transaction. Development (``praxcloud.mail_backend
= folder``) writes each mail as an ``.eml`` file under
``mail.top_level_directory`` after the commit, so a rolled-back request
mails nothing in either case.
"""

from __future__ import annotations

from pyramid_mailer import get_mailer
from pyramid_mailer.mailer import DebugMailer, Mailer
from pyramid_mailer.message import Message

from .settings import settings_of


def send_mail(request, to: str, subject: str, body: str, *, durable: bool = False) -> None:
    """Mail ``to`` once the request's transaction commits.

    ``durable``: now, whatever becomes of the transaction: for a mail about
    something that is refused and rolled back (an unlock link after failed
    logins), which must go out all the same.
    """
    sender = request.registry.settings.get("mail.default_sender", "praxcloud@localhost")
    message = Message(subject=subject, sender=sender, recipients=[to], body=body)
    mailer = get_mailer(request.registry)
    if durable:
        mailer.send_immediately(message)
    elif isinstance(mailer, DebugMailer):
        def deliver(committed: bool) -> None:
            if committed:
                mailer.send_immediately(message)

        request.tm.get().addAfterCommitHook(deliver)
    else:
        mailer.bind(transaction_manager=request.tm).send(message)


def includeme(config) -> None:
    settings = config.registry.settings
    backend = settings_of(settings).mail_backend
    if backend == "folder":
        settings.setdefault("mail.top_level_directory", "var/mail")
        mailer = DebugMailer.from_settings(settings)
    elif backend == "smtp":
        mailer = Mailer.from_settings(settings)
    else:
        raise ValueError(f"praxcloud.mail_backend must be folder or smtp, not {backend!r}")
    from pyramid_mailer import _set_mailer

    _set_mailer(config, mailer)
