"""``python -m app`` / ``glutefire``: the command line; no subcommand opens the window."""

from __future__ import annotations

import sys

from app.cli import main


def gui_main() -> int:
    """Entry point of ``glutefire-gui`` (no console window on Windows)."""
    return main(["gui", "--connect"] + sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())


def console_main() -> int:
    """Entry point of ``glutefire``."""
    return main()
