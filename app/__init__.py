"""GluteFire: live surface-EMG biofeedback for glute activation."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def _installed_version() -> str:
    """The version the installed package says (pyproject.toml's ``version``, one place only).

    A frozen build carries the package's metadata (packaging/glutefire.spec copies it), so the
    bundle reports the same version as the wheel it was built from.
    """
    try:
        return version("glutefire")
    except PackageNotFoundError:  # the source tree on sys.path without `pip install`
        return "0+unknown"


__version__ = _installed_version()
