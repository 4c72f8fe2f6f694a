#!/usr/bin/env bash
# Build the Linux app: dist/glutefire/ (PyInstaller one-folder) and dist/glutefire_<version>_<arch>.deb,
# then run the frozen app's --self-test. Exits non-zero, with the reason, if any step fails.
#
#   packaging/build.sh                 a build environment in build/venv from `pip install .[build]`
#   PYTHON=.venv/bin/python packaging/build.sh    use an environment that already has .[build]
#   NO_DEB=1 packaging/build.sh        the folder only
#   DIST=/tmp/d BUILD=/tmp/b packaging/build.sh   other output / work folders (default dist/, build/)
#
# Why a .deb and not an AppImage: dpkg-deb is on every Debian/Ubuntu machine (no tool fetched from
# outside a package registry), the package puts the desktop entry and the icons where the desktop
# looks (/usr/share/applications, the hicolor theme), declares the system libraries Qt and BlueZ
# need, and it is checked here by unpacking it and running what it installed. An AppImage would need
# appimagetool (downloaded from GitHub) and FUSE to run, neither of which a test machine has.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DIST="$(realpath -m "${DIST:-$ROOT/dist}")"
BUILD="$(realpath -m "${BUILD:-$ROOT/build}")"
say() { printf '[build] %s\n' "$*"; }
fail() { printf '[build] %s\n' "$*" >&2; exit 1; }

[ "$(uname -s)" = Linux ] || fail "build.sh builds the Linux app; see packaging/README.md for Windows and macOS."

if [ -n "${PYTHON:-}" ]; then
    PY="$PYTHON"
else
    PY="$BUILD/venv/bin/python"
    if [ ! -x "$PY" ]; then
        say "creating $BUILD/venv"
        python3 -m venv "$BUILD/venv" || fail "could not create $BUILD/venv (install python3-venv)."
    fi
    say "installing GluteFire and the build tools into $BUILD/venv"
    "$PY" -m pip install --disable-pip-version-check -q --upgrade pip
    # not editable: the frozen app is made from what `pip install .` installs, metadata included
    "$PY" -m pip install --disable-pip-version-check -q --force-reinstall --no-deps .
    "$PY" -m pip install --disable-pip-version-check -q ".[build]"
fi
"$PY" -c "import PyInstaller, PIL, app" 2>/dev/null \
    || fail "$PY lacks GluteFire, PyInstaller or Pillow: pip install '.[build]' into it."
VERSION="$("$PY" -c 'from importlib.metadata import version; print(version("glutefire"))')"
say "GluteFire $VERSION with $("$PY" --version)"

say "icons from assets/glutefire.svg"
rm -rf "$BUILD/icons"
QT_QPA_PLATFORM=offscreen "$PY" packaging/make_icons.py "$BUILD/icons"

say "PyInstaller (one folder)"
rm -rf "$DIST/glutefire"
GLUTEFIRE_ICONS="$BUILD/icons" "$PY" -m PyInstaller --noconfirm --clean --log-level WARN --distpath "$DIST" \
    --workpath "$BUILD/pyinstaller" packaging/glutefire.spec
APP="$DIST/glutefire/glutefire"
[ -x "$APP" ] || fail "PyInstaller made no $APP."

say "the frozen app's --version and --self-test"
GOT="$("$APP" --version)"
[ "$GOT" = "GluteFire $VERSION" ] || fail "the frozen app says '$GOT', not 'GluteFire $VERSION'."
"$APP" --self-test || fail "the frozen app's self-test failed (its line is above)."

if [ -n "${NO_DEB:-}" ]; then
    say "done: $DIST/glutefire/ (no .deb: NO_DEB is set)"
    exit 0
fi
command -v dpkg-deb >/dev/null || { say "done: $DIST/glutefire/ (no dpkg-deb here, so no .deb)"; exit 0; }

ARCH="$(dpkg --print-architecture)"
DEB="$DIST/glutefire_${VERSION}_${ARCH}.deb"
STAGE="$BUILD/deb/glutefire_${VERSION}_${ARCH}"
say "$DEB"
rm -rf "$STAGE" "$DEB"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
    "$STAGE/usr/share/icons/hicolor/scalable/apps" "$STAGE/usr/share/doc/glutefire"
cp -a "$DIST/glutefire" "$STAGE/opt/glutefire"
ln -s /opt/glutefire/glutefire "$STAGE/usr/bin/glutefire"
cat > "$STAGE/usr/bin/glutefire-gui" <<'EOF'
#!/bin/sh
# the desktop entry's command: the window, streaming at once (as pip's glutefire-gui does)
exec /opt/glutefire/glutefire gui --connect "$@"
EOF
chmod 0755 "$STAGE/usr/bin/glutefire-gui"
install -m 0644 packaging/glutefire.desktop "$STAGE/usr/share/applications/glutefire.desktop"
install -m 0644 assets/glutefire.svg "$STAGE/usr/share/icons/hicolor/scalable/apps/glutefire.svg"
cp -a "$BUILD/icons/hicolor/." "$STAGE/usr/share/icons/hicolor/"
install -m 0644 README.md "$STAGE/usr/share/doc/glutefire/README.md"
SIZE_KB="$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)"
# the system libraries the bundled Qt loads but PyInstaller leaves to the system (dev.py's lists)
cat > "$STAGE/DEBIAN/control" <<EOF
Package: glutefire
Version: $VERSION
Architecture: $ARCH
Maintainer: GluteFire team <glutefire@localhost>
Installed-Size: $SIZE_KB
Section: science
Priority: optional
Depends: libc6 (>= 2.31), libegl1, libgl1, libfontconfig1, libxkbcommon0, libxkbcommon-x11-0, libdbus-1-3, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-shape0, libxcb-image0, libxcb-render-util0
Recommends: bluez, libpulse0, pulseaudio | pipewire-pulse, espeak-ng
Homepage: https://github.com/glutefire/glutefire
Description: Live surface-EMG biofeedback for glute activation
 GluteFire shows, records and analyses surface EMG from a simulated or a
 Bluetooth LE patch: %MVIC, firing order, reps, symmetry and fatigue, with
 sound cues for training eyes-off. A self-contained build (Python, Qt) in
 /opt/glutefire; run "glutefire --self-test" to check an installation.
EOF
# gzip: every dpkg reads it, and it packs the ~200 MB folder in seconds, where xz takes minutes
dpkg-deb --root-owner-group -Zgzip --build "$STAGE" "$DEB" >/dev/null
say "done: $DIST/glutefire/ and $DEB ($(du -h "$DEB" | cut -f1))"
