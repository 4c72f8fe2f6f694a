"""Installing GluteFire: icons made from the SVG and read back, the desktop entry, the version in
every place it is shown, and (slow, not in the default run) a fresh ``pip install .`` and the
frozen build, each checked with the installed app's own ``--self-test``."""

from __future__ import annotations

import configparser
import os
import shutil
import struct
import subprocess
import sys
import time
import tomllib
import venv
from importlib.metadata import version
from pathlib import Path

import pytest
from PIL import Image

from app import __version__
from app.cli import main

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))
from make_icons import HICOLOR_SIZES, ICO_SIZES, PNG_SIZES, make_icons  # noqa: E402


def test_the_icons_are_made_from_the_svg_and_read_back(tmp_path):
    written = make_icons(tmp_path)
    for n in PNG_SIZES:
        with Image.open(tmp_path / "png" / f"glutefire-{n}.png") as im:
            assert im.size == (n, n) and im.mode == "RGBA"
            assert im.getpixel((0, 0))[3] == 0  # transparent outside the rounded square
            r, g, b, a = im.getpixel((n // 2, n // 8 + 1))
            assert a == 255 and g > r and g > b  # the green of the drawing
    for n in HICOLOR_SIZES:
        assert (tmp_path / "hicolor" / f"{n}x{n}" / "apps" / "glutefire.png").is_file()
    with Image.open(tmp_path / "glutefire.ico") as ico:
        assert ico.info["sizes"] == {(n, n) for n in ICO_SIZES}
    icns = (tmp_path / "glutefire.icns").read_bytes()
    # Apple's container: 'icns', the file's length, then (type, length) chunks that add up
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    pos, types = 8, []
    while pos < len(icns):
        kind, length = icns[pos:pos + 4], struct.unpack(">I", icns[pos + 4:pos + 8])[0]
        types.append(kind.decode())
        pos += length
    assert pos == len(icns) and {"ic07", "ic08", "ic09", "ic10"} <= set(types)
    with Image.open(tmp_path / "glutefire.icns") as im:
        assert (512, 512, 2) in im.info["sizes"]
    assert len(written) == len(PNG_SIZES) + len(HICOLOR_SIZES) + 2


def _desktop_entry() -> configparser.SectionProxy:
    cp = configparser.ConfigParser(interpolation=None)
    cp.optionxform = str  # type: ignore[assignment,method-assign]
    cp.read(ROOT / "packaging" / "glutefire.desktop", encoding="utf-8")
    return cp["Desktop Entry"]


def test_the_desktop_entry_starts_the_installed_gui_with_its_icon():
    entry = _desktop_entry()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert entry["Type"] == "Application" and entry["Name"] == "GluteFire"
    assert entry["Exec"].split()[0] in project["project"]["gui-scripts"]
    assert (ROOT / "assets" / f"{entry['Icon']}.svg").is_file()
    assert entry["Categories"].endswith(";") and "Science" in entry["Categories"].split(";")
    data_files = project["tool"]["setuptools"]["data-files"]
    assert data_files["share/applications"] == ["packaging/glutefire.desktop"]
    validator = shutil.which("desktop-file-validate")
    if validator:  # desktop-file-utils: the freedesktop.org rules, checked by their own tool
        done = subprocess.run([validator, str(ROOT / "packaging" / "glutefire.desktop")], capture_output=True,
                              text=True)
        assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_the_version_is_the_package_metadata_everywhere(tmp_path, capsys):
    assert __version__ == version("glutefire")
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out.strip() == f"GluteFire {version('glutefire')}"
    out = tmp_path / "r.csv"
    assert main(["record", "--seconds", "0.2", "--speed", "10", "--quiet", "--out", str(out)]) == 0
    assert f"# app_version: GluteFire {version('glutefire')}\n" in out.read_text()


def _python_bin(env_dir: Path, name: str) -> Path:
    return env_dir / ("Scripts" if os.name == "nt" else "bin") / name


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULSE_", "VIRTUAL_ENV", "PYTHON"))}
    (tmp_path / "xdg").mkdir(mode=0o700, exist_ok=True)
    env.update(HOME=str(tmp_path), XDG_RUNTIME_DIR=str(tmp_path / "xdg"), XDG_DATA_HOME=str(tmp_path / "data"))
    return env


@pytest.mark.slow
@pytest.mark.soak
@pytest.mark.timeout(1200)
def test_pip_install_into_a_fresh_venv_then_self_test(tmp_path):
    started = time.monotonic()
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    env = _clean_env(tmp_path)
    py = _python_bin(env_dir, "python")
    done = subprocess.run([str(py), "-m", "pip", "install", "--disable-pip-version-check", "-q", str(ROOT)],
                          cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    installed = time.monotonic()
    exe = _python_bin(env_dir, "glutefire")
    ver = subprocess.run([str(exe), "--version"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert ver.stdout.strip() == f"GluteFire {version('glutefire')}"
    # the desktop entry and the icon came with it (under the environment's share/)
    assert (env_dir / "share" / "applications" / "glutefire.desktop").is_file()
    assert (env_dir / "share" / "icons" / "hicolor" / "scalable" / "apps" / "glutefire.svg").is_file()
    test = subprocess.run([str(exe), "--self-test"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert test.returncode == 0, test.stdout + test.stderr[-3000:]
    assert "self-test passed" in test.stdout and "Traceback" not in test.stderr
    print(f"\npip install: {installed - started:.0f} s; self-test: {time.monotonic() - installed:.0f} s")


@pytest.mark.slow
@pytest.mark.soak
@pytest.mark.timeout(1800)
def test_the_frozen_build_and_its_deb_pass_their_self_test(tmp_path):
    started = time.monotonic()
    env = _clean_env(tmp_path)
    env.update(PYTHON=sys.executable, DIST=str(tmp_path / "dist"), BUILD=str(tmp_path / "build"),
               PATH=os.environ["PATH"])
    done = subprocess.run(["bash", str(ROOT / "packaging" / "build.sh")], cwd=ROOT, env=env, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "self-test passed" in done.stdout, done.stdout[-3000:]
    built = time.monotonic()
    app = tmp_path / "dist" / "glutefire" / "glutefire"
    assert app.is_file() and not (tmp_path / "dist" / "glutefire" / "_internal" / "pytest").exists()
    debs = list((tmp_path / "dist").glob("glutefire_*.deb"))
    if shutil.which("dpkg-deb") is None:
        pytest.skip("no dpkg-deb: the folder was built and passed, no .deb to check")
    assert len(debs) == 1 and debs[0].name.startswith(f"glutefire_{version('glutefire')}_")
    info = subprocess.run(["dpkg-deb", "--field", str(debs[0]), "Package", "Version", "Depends"],
                          capture_output=True, text=True, check=True).stdout
    assert "Package: glutefire" in info and f"Version: {version('glutefire')}" in info and "libxcb-cursor0" in info
    root = tmp_path / "unpacked"
    subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(root)], check=True)
    assert (root / "usr/share/applications/glutefire.desktop").is_file()
    assert os.readlink(root / "usr/bin/glutefire") == "/opt/glutefire/glutefire"
    assert "/opt/glutefire/glutefire gui --connect" in (root / "usr/bin/glutefire-gui").read_text()
    for n in (16, 48, 256, 512):
        with Image.open(root / f"usr/share/icons/hicolor/{n}x{n}/apps/glutefire.png") as im:
            assert im.size == (n, n)
    # what the package installs runs: its own self-test from the unpacked /opt
    test = subprocess.run([str(root / "opt/glutefire/glutefire"), "--self-test"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert test.returncode == 0 and "self-test passed" in test.stdout, test.stdout + test.stderr[-2000:]
    print(f"\nbuild.sh (icons, PyInstaller, self-test, .deb): {built - started:.0f} s; "
          f".deb self-test: {time.monotonic() - built:.0f} s")
