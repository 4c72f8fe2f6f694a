"""``python -m app`` / ``glutefire``: the command line; no subcommand opens the window."""

from __future__ import annotations

import sys

from app.cli import main
from app.storage.private import private_umask


def gui_main() -> int:
    """Entry point of ``glutefire-gui`` (no console window on Windows)."""
    private_umask()
    return main(["gui", "--connect"] + sys.argv[1:])


if __name__ == "__main__":
    private_umask()
    sys.exit(main())


def console_main() -> int:
    """Entry point of ``glutefire``."""
    private_umask()
    return main()
