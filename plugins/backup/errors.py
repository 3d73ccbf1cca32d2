"""The one error every failure of a backup, verification or restore is told as."""

from __future__ import annotations

from praxcloud.plugin import PraxError


class BackupError(PraxError):
    """A backup, verification or restore failed; ``code`` says how, ``message`` in one line.

    Codes: ``restic_missing``, ``target_missing``, ``target_invalid``,
    ``target_not_allowed``, ``target_unreachable``, ``credentials_missing`` (no S3
    keys in the ini), ``credentials_refused`` (the store refused the keys), ``no_repository``,
    ``wrong_key``, ``damaged`` (tampered or truncated), ``dump_failed``,
    ``restore_failed``, ``no_backup``, ``restic_failed``.
    """

    status = 502

    def __init__(self, code: str, message: str):
        # One line: the CLI prints it as the reason, the API as its message.
        first = (message or code).strip().splitlines()[0]
        super().__init__(first, code=code)
