"""QR codes for printed pages (documents, Suket, counter receipts) as a reportlab flowable.

segno builds the symbol; each horizontal run of dark modules becomes one ``re`` of a single
filled path, written in module units. reportlab's own QrCodeWidget draws every module as a
shape of its own through the graphics layer, which cost a quarter of a document's render time
(issue 17's profile).
"""

from __future__ import annotations

import segno
from reportlab.lib.colors import black
from reportlab.platypus import Flowable

# Level M survives smudges and folds on office-printed HVS better than the default L.
ERROR_LEVEL = "m"


def dark_runs(value: str) -> tuple[int, list[tuple[int, int, int]]]:
    """The symbol's size in modules and its dark runs as (row, first column, length)."""
    symbol = segno.make_qr(value, error=ERROR_LEVEL, boost_error=False)
    runs: list[tuple[int, int, int]] = []
    count = 0
    for row, modules in enumerate(symbol.matrix_iter(scale=1, border=0)):
        cells = [*modules, 0]
        count = len(cells) - 1
        start = None
        for column, dark in enumerate(cells):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                runs.append((row, start, column - start))
                start = None
    return count, runs


class QrCode(Flowable):
    """A `size` x `size` QR code of `value` with `border` light modules around it."""

    def __init__(self, value: str, size: float, border: int = 4) -> None:
        super().__init__()
        self.value, self.size, self.border = value, size, border
        self.width = self.height = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        count, runs = dark_runs(self.value)
        module = self.size / (count + 2 * self.border)
        canvas = self.canv
        canvas.saveState()
        canvas.setFillColor(black)
        # Module units, rows counted down from the top: every coordinate is a small integer.
        canvas.translate(self.border * module, self.size - self.border * module)
        canvas.scale(module, -module)
        canvas.addLiteral(" ".join(f"{column} {row} {length} 1 re"
                                   for row, column, length in runs) + " f")
        canvas.restoreState()
