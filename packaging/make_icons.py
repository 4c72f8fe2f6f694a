"""Generate the app's raster icons from ``assets/glutefire.svg`` (the one drawn source).

    python packaging/make_icons.py build/icons

writes ``png/glutefire-<n>.png`` for n in 16 ... 1024, ``hicolor/<n>x<n>/apps/glutefire.png`` (the
freedesktop icon theme layout, for the .deb), ``glutefire.ico`` (Windows: 16-256 px) and
``glutefire.icns`` (macOS: 16-1024 px).

Each size is rasterised from the vector by Qt's ``QSvgRenderer`` (Qt is already a dependency;
Pillow cannot read SVG), so the small sizes are drawn at their size rather than scaled down from a
big bitmap. Pillow writes the containers: ICO with PNG-compressed entries (readable since Windows
Vista) and ICNS with the ``ic04``...``ic14`` PNG/ARGB types (Pillow's IcnsImagePlugin follows
Apple's container layout; it writes on any platform, so no ``iconutil`` and no Mac is needed).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "assets" / "glutefire.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
HICOLOR_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # 256 is the largest an ICO entry can say


def render_png(svg: Path, size: int) -> bytes:
    """The SVG drawn into a size x size transparent image, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: {svg} is not a valid SVG.")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    buf.close()
    return bytes(data.data())


def make_icons(out: Path, svg: Path = SVG) -> list[Path]:
    from PIL import Image
    from PySide6.QtGui import QGuiApplication

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication.instance() or QGuiApplication([])  # QImage text/colour handling wants one
    pngs = {n: render_png(svg, n) for n in PNG_SIZES}
    written: list[Path] = []
    for n, data in pngs.items():
        p = out / "png" / f"glutefire-{n}.png"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        written.append(p)
    for n in HICOLOR_SIZES:
        p = out / "hicolor" / f"{n}x{n}" / "apps" / "glutefire.png"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(pngs[n])
        written.append(p)
    images = {n: Image.open(io.BytesIO(data)) for n, data in pngs.items()}
    ico = out / "glutefire.ico"
    largest_ico = images[max(ICO_SIZES)]
    largest_ico.save(ico, format="ICO", sizes=[(n, n) for n in ICO_SIZES],
                     append_images=[images[n] for n in ICO_SIZES if n != max(ICO_SIZES)])
    icns = out / "glutefire.icns"
    images[1024].save(icns, format="ICNS", append_images=[images[n] for n in (16, 32, 64, 128, 256, 512)])
    written += [ico, icns]
    return written


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="folder to write the icons into")
    ap.add_argument("--svg", type=Path, default=SVG)
    args = ap.parse_args(argv)
    written = make_icons(args.out, args.svg)
    print(f"make_icons: {len(written)} files in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
