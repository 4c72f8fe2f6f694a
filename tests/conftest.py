"""Shared test setup: Qt offscreen, preferences in a temp file, fast simulated recordings."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")

import numpy as np
import pytest


def _our_temp_entries() -> set[str]:
    import tempfile
    from pathlib import Path

    return {p.name for p in Path(tempfile.gettempdir()).glob("glutefire-*")}


def pytest_sessionstart(session):  # type: ignore[no-untyped-def]
    session.config._glutefire_temp = _our_temp_entries()


def pytest_sessionfinish(session, exitstatus):  # type: ignore[no-untyped-def]
    """The suite must not leave folders in the temp directory (it once left glutefire-btctl-*)."""
    left = _our_temp_entries() - getattr(session.config, "_glutefire_temp", set())
    if left:
        print(f"\nThe tests left these in the temp directory: {sorted(left)}")
        session.exitstatus = 1


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def qsettings(tmp_path):
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def store(tmp_path):
    """A real SQLite records file in the test's temp dir."""
    from app.storage.store import Store

    s = Store(tmp_path / "records.sqlite3")
    yield s
    s.close()


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory, monkeypatch):
    """The SQLite records (platformdirs' user data dir) of every test live in a temp dir."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
