"""The mail an app under test sent, read back from the folder mailer's .eml files.

Under ``praxcloud.mail_backend = folder`` every mail is written as a file
under ``mail.top_level_directory`` once its transaction commits, so the
mailbox holds exactly what a user would have received.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

LINK = re.compile(r"https?://[^\s<>\"']+")


@dataclass(frozen=True)
class Mail:
    """One sent mail: who it went to, its subject, its plain-text body."""

    to: str
    subject: str
    text: str
    message: EmailMessage

    @property
    def links(self) -> list[str]:
        """The http(s) links in the body, in order."""
        return LINK.findall(self.text)

    def link(self, containing: str = "") -> str:
        """The one link whose text contains ``containing``; fails when there is not exactly one."""
        found = [link for link in self.links if containing in link]
        assert len(found) == 1, f"{len(found)} links containing {containing!r} in:\n{self.text}"
        return found[0]


class Mailbox:
    """Every mail the app has sent so far, oldest first."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _files(self) -> list[Path]:
        if not self.folder.exists():
            return []
        # The mailer's file names carry the second only: order by when each was written.
        files = [path for path in self.folder.rglob("*.eml") if path.is_file()]
        return sorted(files, key=lambda path: (path.stat().st_mtime_ns, path.name))

    @property
    def messages(self) -> list[Mail]:
        return [read_mail(path) for path in self._files()]

    def __len__(self) -> int:
        return len(self._files())

    def to(self, address: str) -> list[Mail]:
        """The mails sent to ``address`` (compared without regard to case), oldest first."""
        return [mail for mail in self.messages if address.lower() in mail.to.lower()]

    def last(self, address: str) -> Mail:
        """The newest mail to ``address``; fails when there is none."""
        sent = self.to(address)
        assert sent, f"no mail to {address}; sent: {[mail.to for mail in self.messages]}"
        return sent[-1]

    def clear(self) -> None:
        """Forget what was sent so far (the next :meth:`last` sees only newer mail)."""
        for path in self._files():
            path.unlink()


def read_mail(path: Path) -> Mail:
    message = message_from_bytes(Path(path).read_bytes(), policy=policy.default)
    body = message.get_body(preferencelist=("plain",))
    return Mail(to=str(message["To"]), subject=str(message["Subject"]),
                text=body.get_content() if body is not None else "", message=message)
