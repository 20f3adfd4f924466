"""Document templates as data: the compiled template parts and the field types a template may
point at. Loading and checking is ``template_loader``; building a document's content from a
template and a snapshot is ``templates``; the file format is in
``services/printing/templates/README.md``.

Safety: a form value is plain text. It is escaped before it is put into a paragraph's markup, so
a value such as ``<font size=40>`` is printed literally; only the template's own text may carry
markup (``<b>``, ``<i>``, ``<br/>``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from services.printing.documents import formatters

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"

LAYOUTS = ("a4", "card")
ORIENTATIONS = ("auto", "portrait", "landscape")
MISSING = "-"  # printed where the application has no value

# Field types (as the snapshot contract names them) of the snapshot parts that are not form
# fields; form field types come from the caller of `load_templates` (tests pass the catalogue's).
APPLICANT_FIELDS = {
    "nik": "nik",
    "name": "person_name",
    "kk_number": "kk_number",
    "kecamatan_code": "region",
    "email": "string",
    "phone": "string",
}
DOCUMENT_FIELDS = {
    "number": "string",
    "title": "string",
    "issued_on": "date",
    "region_name": "string",
    "signer_name": "string",
    "signer_title": "string",
    "verify_url": "string",
}
SUBJECT_FIELDS = {"name": "person_name", "nik": "nik"}  # whom the document is about
APPLICATION_FIELDS = {"tracking_code": "string", "service_code": "string"}
# Keys of one item of a list-valued form field, by the field's catalogue type.
ITEM_FIELDS: dict[str, dict[str, str]] = {
    "members": {
        "nik": "nik",
        "name": "person_name",
        "sex": "enum",
        "birth_place": "string",
        "birth_date": "date",
        "religion": "enum",
        "education": "enum",
        "occupation": "string",
        "marital_status": "enum",
        "relationship": "enum",
        "citizenship": "enum",
        "father_name": "person_name",
        "mother_name": "person_name",
    },
    "people": {"nik": "nik", "name": "person_name", "relationship": "enum"},
}
LIST_TYPES = frozenset(ITEM_FIELDS)



class TemplateError(ValueError):
    """A template file is invalid; the message names the file and the problem."""



def resolve(context: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = context
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []

# --- compiled template parts -----------------------------------------------------------------


@dataclass(frozen=True)
class Placeholder:
    path: tuple[str, ...]
    formats: tuple[str, ...]

    def format(self, context: Mapping[str, Any]) -> str:
        value = resolve(context, self.path)
        if value is None or value == "":
            return MISSING
        return formatters.apply(value, self.formats)


@dataclass(frozen=True)
class Text:
    """Literal text with ``{path|formatter}`` placeholders."""

    parts: tuple[str | Placeholder, ...]

    def plain(self, context: Mapping[str, Any]) -> str:
        return "".join(p if isinstance(p, str) else p.format(context) for p in self.parts)

    def markup(self, context: Mapping[str, Any]) -> str:
        """The template's own text as markup, with every substituted value escaped."""
        return "".join(p if isinstance(p, str) else escape(p.format(context)) for p in self.parts)

    @property
    def placeholders(self) -> list[Placeholder]:
        return [p for p in self.parts if isinstance(p, Placeholder)]


@dataclass(frozen=True)
class Condition:
    """Print only when `when` has a value and `unless` has none."""

    when: tuple[str, ...] | None = None
    unless: tuple[str, ...] | None = None

    def holds(self, context: Mapping[str, Any]) -> bool:
        if self.when is not None and is_empty(resolve(context, self.when)):
            return False
        return self.unless is None or is_empty(resolve(context, self.unless))


@dataclass(frozen=True)
class Row:
    label: str
    value: Text
    condition: Condition
    strong: bool = False
    max_lines: int = 1


@dataclass(frozen=True)
class Column:
    label: str
    key: str
    formats: tuple[str, ...]
    width: float | None


@dataclass(frozen=True)
class FieldsPart:
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class ParagraphPart:
    text: Text
    condition: Condition


@dataclass(frozen=True)
class TablePart:
    heading: str
    rows_path: tuple[str, ...]
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class DocumentTemplate:
    output: str  # output document type, e.g. AKTA_LAHIR
    title: str
    layout: str  # a4 | card
    source: Path
    orientation: str = "auto"
    body: tuple[FieldsPart | ParagraphPart | TablePart, ...] = ()
    # card layout
    header: tuple[Text, ...] = ()
    rows: tuple[Row, ...] = ()
    issue_place: Text | None = None
    photo: bool = True


@dataclass(frozen=True)
class IssueData:
    """Facts about the document being issued, available to templates as ``document.*``."""

    number: str
    issued_at: dt.datetime  # naive = already local (WIB) time
    region_name: str  # e.g. KABUPATEN SUMEDANG
    signer_name: str
    signer_title: str
    verify_url: str
