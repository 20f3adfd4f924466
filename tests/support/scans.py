"""Real scan files (PDF, PNG, JPEG) for upload tests, made on the fly."""

from __future__ import annotations

import io
import os

from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def pdf_scan(label: str = "Dokumen uji", min_size: int = 0) -> bytes:
    """A one-page PDF; ``min_size`` pads it with an incompressible image to reach a size."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.drawString(72, 770, f"{label} (data sintetis)")
    if min_size:
        side = max(16, int((min_size / 3) ** 0.5) + 1)
        noise = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
        pdf.drawInlineImage(noise, 72, 300, width=300, height=300)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def png_scan(side: int = 64) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), (200, 220, 240)).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_scan(side: int = 64) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), (240, 220, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()
