"""The one exception type for mistakes a person can make (bad file, bad number, no adapter).

Its message is a single plain sentence; the CLI prints it and exits non-zero, the UI shows it in a
message box. Programming errors stay ordinary exceptions.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix, described in one sentence."""


def os_reason(exc: OSError) -> str:
    """Why a file could not be written, as words for a sentence ("the disk is full")."""
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if exc.errno == errno.EROFS:
        return "the folder is on a read-only disk"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "this user may not write there"
    return (exc.strerror or str(exc)).rstrip(".").lower() if exc.strerror else str(exc)
