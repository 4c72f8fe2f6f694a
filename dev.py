#!/usr/bin/env python3
"""One-command setup for a fresh Linux machine with only Python 3.11+ (also works on macOS/Windows).

    python3 dev.py demo    set up .venv and open GluteFire streaming from the simulated patch
    python3 dev.py test    set up .venv and run the whole test suite headless (ruff, mypy, pytest)
    python3 dev.py bench   set up .venv (+ bench extra) and run the benchmarks

Setup is idempotent: it reinstalls only when pyproject.toml changed. On Linux it installs the few
system libraries Qt, the D-Bus and the PostgreSQL tests need (apt-get, when they are missing and we may).
Standard library only: this runs before anything is installed.
"""

from __future__ import annotations

import ctypes.util
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")

# shared libraries Qt's offscreen/xcb platforms load, and the Debian packages that provide them
LINUX_LIBS = {
    "EGL": "libegl1",
    "GL": "libgl1",
    "xkbcommon": "libxkbcommon0",
    "fontconfig": "libfontconfig1",
    "glib-2.0": "libglib2.0-0",
    "dbus-1": "libdbus-1-3",
    "pulse": "libpulse0",  # QtMultimedia links it: the sound cues
    "pipewire-0.3": "libpipewire-0.3-0",  # QtMultimedia probes it and warns on every start without it
}
LINUX_DISPLAY_LIBS = {
    "xkbcommon-x11": "libxkbcommon-x11-0",
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-shape": "libxcb-shape0",
    "xcb-image": "libxcb-image0",
    "xcb-render-util": "libxcb-render-util0",
}
LINUX_BINARIES = {
    "dbus-daemon": "dbus-daemon",  # private bus for the fake-BlueZ tests
    "espeak-ng": "espeak-ng",  # spoken cues (hold, relax, ...)
    "pulseaudio": "pulseaudio",  # a private sound server with a null sink for the audio tests
    "parec": "pulseaudio-utils",  # records that sink's monitor
    "initdb": "postgresql",  # the throwaway PostgreSQL server of the clinic-records tests
    "openssl": "openssl",  # certificates for the TLS test server (sslmode=verify-full)
}
# Debian keeps the PostgreSQL server's programs off PATH
SERVER_BIN_GLOBS = ("/usr/lib/postgresql/*/bin",)


def say(msg: str) -> None:
    print(f"[dev] {msg}", flush=True)


def fail(msg: str) -> None:
    print(f"[dev] {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def apt_install(packages: list[str]) -> None:
    if not packages or sys.platform != "linux":
        return
    apt = shutil.which("apt-get")
    if apt is None:
        fail("Missing system packages " + ", ".join(packages) + "; install them with your package manager.")
    prefix: list[str] = []
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            fail("Missing system packages " + ", ".join(packages) + "; run: sudo apt-get install " + " ".join(packages))
        prefix = ["sudo"]
    say("installing system packages: " + " ".join(packages))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(prefix + [apt, "update", "-qq"], check=False, env=env)
    r = subprocess.run(prefix + [apt, "install", "-y", "-qq", "--no-install-recommends", *packages], env=env)
    if r.returncode != 0:
        fail("Could not install " + " ".join(packages) + " with apt-get.")


def _have_program(exe: str) -> bool:
    return shutil.which(exe) is not None or any(glob.glob(f"{d}/{exe}") for d in SERVER_BIN_GLOBS)


def ensure_system(display: bool) -> None:
    if sys.platform != "linux":
        return
    libs = dict(LINUX_LIBS, **(LINUX_DISPLAY_LIBS if display else {}))
    missing = [pkg for lib, pkg in libs.items() if ctypes.util.find_library(lib) is None]
    missing += [pkg for exe, pkg in LINUX_BINARIES.items() if not _have_program(exe)]
    apt_install(sorted(set(missing)))


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older python3
        fail(f"GluteFire needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PY.exists():
        say(f"creating {VENV}")
        try:
            venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        except Exception:  # Debian/Ubuntu ship venv's pip support separately
            ver = f"python{sys.version_info.major}.{sys.version_info.minor}-venv"
            apt_install([ver])
            venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    stamp = VENV / f".installed-{extras}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    say(f"installing GluteFire and its dependencies [{extras}] into {VENV}")
    pip = [str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    if subprocess.run(pip + ["--upgrade", "pip"]).returncode != 0:
        fail("Could not upgrade pip in the virtual environment.")
    if subprocess.run(pip + ["-e", f".[{extras}]"], cwd=ROOT).returncode != 0:
        fail("Could not install GluteFire's dependencies (see pip's message above).")
    stamp.write_text(digest)


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "help"
    rest = argv[1:]
    if cmd == "demo":
        ensure_system(display=True)
        ensure_venv("test")
        return subprocess.run([str(PY), "-m", "app", "gui", "--connect", *rest], cwd=ROOT).returncode
    if cmd == "test":
        ensure_system(display=False)
        ensure_venv("test")
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        for name, check in (("ruff", ["-m", "ruff", "check", "--no-cache", "."]), ("mypy", ["-m", "mypy"])):
            say(f"{name}…")
            if subprocess.run([str(PY), *check], cwd=ROOT, env=env).returncode != 0:
                fail(f"{name} found problems (above); the tests did not run.")
        return subprocess.run([str(PY), "-m", "pytest", "-p", "no:cacheprovider", *rest], cwd=ROOT, env=env).returncode
    if cmd == "bench":
        ensure_system(display=True)  # the whole-window benchmark also runs under Xvfb
        if sys.platform == "linux" and not _have_program("Xvfb"):
            apt_install(["xvfb"])
        ensure_venv("test,bench")
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        return subprocess.run([str(PY), "-m", "benchmarks", *rest], cwd=ROOT, env=env).returncode
    print(__doc__)
    return 0 if cmd in ("help", "-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
