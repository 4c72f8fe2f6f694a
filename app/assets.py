"""Files from the project's ``assets/`` folder (electrode-placement drawings, the icon), wherever
GluteFire runs from: a PyInstaller bundle, the source checkout, or an installed wheel, which puts
them under ``<prefix>/share/glutefire/assets`` (pyproject.toml's data-files)."""

from __future__ import annotations

import site
import sys
from pathlib import Path


def asset_dirs() -> list[Path]:
    """The places ``assets/`` can be, most specific first."""
    out = []
    bundle = getattr(sys, "_MEIPASS", None)  # PyInstaller's folder of the app's data
    if bundle:
        out.append(Path(bundle) / "assets")
    out.append(Path(__file__).resolve().parents[1] / "assets")  # the source checkout
    rel = Path("share/glutefire/assets")
    out += [Path(sys.prefix) / rel, Path(site.getuserbase()) / rel, Path("/usr") / rel]
    return out


def asset(relative: str) -> Path | None:
    """``assets/<relative>``, or None when this installation does not have it."""
    return next((d / relative for d in asset_dirs() if (d / relative).is_file()), None)
