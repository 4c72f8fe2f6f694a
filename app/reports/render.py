"""Lay a ``ReportDocument`` out on A4 pages once and paint the same pages into a PDF or PNGs.

The document is laid out at 96 dpi (``PAGE``) and each page is painted with the painter scaled to
the device (300 dpi PDF, 150 dpi PNG), so both outputs break pages at the same lines. Text is
painted as text: the PDF is searchable (tested with pypdf).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QPointF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

from app.errors import UserError, os_reason
from app.reports.charts import ensure_gui_app
from app.reports.document import ReportDocument
from app.storage.private import write_private_bytes

#: A4 at 96 dpi and the margin, in layout pixels (15 mm ~ 57 px)
PAGE = QSizeF(793.7, 1122.5)
MARGIN = 57.0


def layout(report: ReportDocument) -> QTextDocument:
    ensure_gui_app()
    doc = QTextDocument()
    font = QFont("DejaVu Sans")
    font.setPointSizeF(8)
    font.setFeature(QFont.Tag("liga"), 0)  # "fi" stays two letters: the PDF's text is found by a search for it
    doc.setDefaultFont(font)
    doc.setDocumentMargin(0)
    for name, image in report.images.items():
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"chart:{name}"), image)
    doc.setHtml(report.html)
    doc.setPageSize(QSizeF(PAGE.width() - 2 * MARGIN, PAGE.height() - 2 * MARGIN - 20))
    return doc


def _paint_page(doc: QTextDocument, painter: QPainter, page: int, scale: float, title: str) -> None:
    body = doc.pageSize()
    painter.save()
    painter.scale(scale, scale)
    painter.setPen(QColor("#555555"))
    small = QFont("DejaVu Sans")
    small.setPointSizeF(6)
    small.setFeature(QFont.Tag("liga"), 0)
    painter.setFont(small)
    footer = QRectF(MARGIN, PAGE.height() - MARGIN + 4, PAGE.width() - 2 * MARGIN, 16)
    painter.drawText(footer, Qt.AlignmentFlag.AlignLeft, title)
    painter.drawText(footer, Qt.AlignmentFlag.AlignRight, f"page {page + 1} of {doc.pageCount()}")
    painter.translate(QPointF(MARGIN, MARGIN - page * body.height()))
    ctx = QAbstractTextDocumentLayout.PaintContext()
    ctx.clip = QRectF(0, page * body.height(), body.width(), body.height())
    painter.setClipRect(ctx.clip)
    doc.documentLayout().draw(painter, ctx)
    painter.restore()


def write_pdf(report: ReportDocument, path: str | Path) -> int:
    """The report as an A4 PDF; returns the page count. Rendered in memory and written whole, so
    a full disk or a read-only folder is one sentence and leaves no broken file."""
    path = Path(path)
    doc = layout(report)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(0, 0, 0, 0)))
    writer.setResolution(300)
    writer.setTitle(report.title)
    writer.setCreator("GluteFire")
    painter = QPainter()
    if not painter.begin(writer):
        raise UserError(f"Cannot write a PDF to {path}.")
    scale = writer.width() / PAGE.width()
    for page in range(doc.pageCount()):
        if page:
            writer.newPage()
        _paint_page(doc, painter, page, scale, report.title)
    painter.end()
    _save(path, bytes(buffer.data().data()), "the report")
    return doc.pageCount()


def _save(path: Path, data: bytes, what: str) -> None:
    try:
        write_private_bytes(path, data)  # a report carries health data: owner-only
    except OSError as exc:
        raise UserError(f"Cannot write {what} to {path}: {os_reason(exc)}.") from None


def page_images(report: ReportDocument, dpi: float = 150.0) -> list[QImage]:
    doc = layout(report)
    scale = dpi / 96.0
    out = []
    for page in range(doc.pageCount()):
        img = QImage(int(PAGE.width() * scale), int(PAGE.height() * scale), QImage.Format.Format_RGB32)
        img.fill(QColor("white"))
        img.setDotsPerMeterX(int(dpi / 0.0254))
        img.setDotsPerMeterY(int(dpi / 0.0254))
        painter = QPainter(img)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        _paint_page(doc, painter, page, scale, report.title)
        painter.end()
        out.append(img)
    return out


def write_png(report: ReportDocument, path: str | Path, dpi: float = 150.0) -> list[Path]:
    """One PNG per page: ``report.png`` for one page, ``report-1.png``, ``report-2.png`` … for more."""
    path = Path(path)
    images = page_images(report, dpi)
    names = [path] if len(images) == 1 else [path.with_name(f"{path.stem}-{i + 1}{path.suffix}") for i in range(len(images))]
    for img, name in zip(images, names, strict=True):
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not img.save(buffer, "PNG"):  # type: ignore[call-overload]  # (the stubs say bytes; PySide6 wants str)
            raise UserError(f"Cannot make the page image {name}.")
        _save(name, bytes(buffer.data().data()), "the page image")
    return names
