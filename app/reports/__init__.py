"""Session and progress reports as PDF (searchable text) and PNG pages.

Painted with QtGui only (``QTextDocument`` laid out on A4, drawn onto a ``QPdfWriter`` or a
``QImage``), so ``glutefire report`` needs no window and no new dependency: Qt is already
installed for the app, and its PDF engine embeds the fonts and writes real text. The chosen
alternatives and why they lost: reportlab (a second layout engine and dependency for the same
pages), HTML-to-PDF tools (weasyprint needs Pango/cairo system libraries), matplotlib (a large
dependency for a few line charts; the charts here are a few dozen QPainter lines).
"""
