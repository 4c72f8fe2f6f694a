"""The one exception type for mistakes a person can make (bad file, bad number, no adapter).

Its message is a single plain sentence; the CLI prints it and exits non-zero, the UI shows it in a
message box. Programming errors stay ordinary exceptions.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix, described in one sentence."""
