"""What an A4 document prints, as plain data: the head rows, the member table, the body sections
(built from the YAML templates by ``templates``) and the signature block's names; and the
Indonesian way of writing a date and a place. ``render`` lays this out as a PDF."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from silasidakep.clock import WIB

DINAS_NAME = "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL"

BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)

# Tables with more columns than this turn an "auto" page to landscape.
MAX_PORTRAIT_COLUMNS = 8


@dataclass(frozen=True)
class FieldRows:
    """Label : value rows (plain text)."""

    rows: list[tuple[str, str]]


@dataclass(frozen=True)
class Prose:
    """A paragraph in reportlab's paragraph markup. Whoever builds it escapes data in it."""

    markup: str


@dataclass(frozen=True)
class TableSection:
    """A bordered table with a header row; cells are plain text keyed by column label."""

    columns: tuple[str, ...]  # "No" is numbered automatically unless a row supplies it
    rows: list[dict[str, str]]
    heading: str = ""
    weights: dict[str, float] = field(default_factory=dict)  # relative widths by column label


BodySection = FieldRows | Prose | TableSection


@dataclass(frozen=True)
class DocumentContent:
    """Everything printed on one issued document. Text is plain (not markup), except `Prose`."""

    document_type: str  # e.g. "KK"
    title: str  # e.g. "KARTU KELUARGA"
    document_number: str
    issued_at: dt.datetime  # naive = already local (WIB) time
    region_name: str  # e.g. "KABUPATEN SUMEDANG"
    signer_name: str
    signer_title: str
    verify_url: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # head data, label/value
    members: list[dict[str, str]] = field(default_factory=list)  # keyed by column label
    # Sections printed after `fields` and `members`, in order (templates build these).
    body: list[BodySection] = field(default_factory=list)
    orientation: str = "auto"  # auto (landscape for wide tables), portrait or landscape

    @property
    def landscape(self) -> bool:
        if self.orientation != "auto":
            return self.orientation == "landscape"
        tables = [s for s in self.body if isinstance(s, TableSection)]
        return bool(self.members) or any(len(t.columns) > MAX_PORTRAIT_COLUMNS for t in tables)


def format_tanggal(value: dt.date) -> str:
    """Indonesian long date, e.g. ``28 November 2026``; aware datetimes are shown in WIB."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(WIB)
    return f"{value.day} {BULAN[value.month - 1]} {value.year}"


def place_name(region_name: str) -> str:
    """``KABUPATEN SUMEDANG`` -> ``Sumedang`` (the place written before the date)."""
    words = region_name.split()
    if words and words[0].upper() in {"KABUPATEN", "KOTA", "KAB.", "KAB"}:
        words = words[1:]
    return " ".join(w.capitalize() for w in words)
