"""Every exercise's placement drawing is found wherever GluteFire runs from: the checkout, and an
installed wheel (which puts assets/placement under <prefix>/share/glutefire/assets; before, a
`pip install .` showed the practice dialog with an empty picture)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from app import assets
from app.exercises.library import LIBRARY

ROOT = Path(__file__).resolve().parents[1]


def test_every_placement_drawing_is_found_and_installed_with_the_wheel():
    files = (ROOT / "pyproject.toml").read_text()
    data_files = tomllib.loads(files)["tool"]["setuptools"]["data-files"]
    installed = {Path(p).name for key, globs in data_files.items() if key == "share/glutefire/assets/placement"
                 for g in globs for p in ROOT.glob(g)}
    for e in LIBRARY.values():
        found = assets.asset(e.placement_image)
        assert found is not None and found.read_text().lstrip().startswith("<svg"), e.id
        assert Path(e.placement_image).name in installed, e.id


def test_an_installed_copy_is_used_when_there_is_no_checkout(tmp_path, monkeypatch):
    share = tmp_path / "share" / "glutefire" / "assets" / "placement"
    share.mkdir(parents=True)
    (share / "glute_bridge.svg").write_text("<svg/>")
    monkeypatch.setattr(assets.sys, "prefix", str(tmp_path))
    monkeypatch.setattr(assets, "__file__", str(tmp_path / "site-packages" / "app" / "assets.py"))
    assert assets.asset("placement/glute_bridge.svg") == share / "glute_bridge.svg"
    assert assets.asset("placement/nothing.svg") is None
