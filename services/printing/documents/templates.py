"""Document templates: what each output document prints, as data the Dinas can edit.

One YAML file per output type in ``services/printing/templates/`` (``KK.yaml``, ``AKTA_LAHIR.yaml``,
...). A template names the printed title, the layout (``a4`` sheet or ``card``) and the rows,
paragraphs and tables, each pointing into the approved application's snapshot with a dotted
path (``form.child_name``, ``applicant.kk_number``) and formatters (``date``, ``sex|upper``).
The file format is described in ``services/printing/templates/README.md``.

Everything is checked when the templates are loaded (service start-up), not when a document is
printed: unknown keys, unknown formatters, paths that no application of that output type can
have (checked against the intake service's catalogue), formatters that do not fit the field's
type, unbalanced placeholders and invalid paragraph markup.

Safety: a form value is plain text. It is escaped before it is put into a paragraph's markup, so
a value such as ``<font size=40>`` is printed literally; only the template's own text may carry
markup (``<b>``, ``<i>``, ``<br/>``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any
from xml.sax.saxutils import escape

import yaml

from services.printing.documents import formatters
from services.printing.documents.card import CardContent, CardRow
from services.printing.documents.render import (
    DocumentContent,
    FieldRows,
    Prose,
    TableSection,
    prose_paragraph,
    register_fonts,
)

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
# The catalogue defines every service's form fields and output document; templates are checked
# against it so a path to a field that does not exist fails at start-up.
CATALOGUE_FILE = Path(__file__).resolve().parents[2] / "intake" / "catalogue.yaml"

LAYOUTS = ("a4", "card")
ORIENTATIONS = ("auto", "portrait", "landscape")
MISSING = "-"  # printed where the application has no value

# Field types (as the catalogue names them) of the snapshot parts that are not form fields.
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

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.]*)((?:\|[A-Za-z_]+)*)\}")
_TOP_KEYS = {
    "a4": {"title", "layout", "orientation", "body"},
    "card": {"title", "layout", "header", "fields", "issue_place", "photo"},
}
_ROW_KEYS = {"label", "value", "format", "text", "when", "unless", "strong", "max_lines"}
_COLUMN_KEYS = {"label", "value", "format", "width"}
_TABLE_KEYS = {"heading", "rows", "columns"}


class TemplateError(ValueError):
    """A template file is invalid; the message names the file and the problem."""


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
        if self.when is not None and _empty(resolve(context, self.when)):
            return False
        return self.unless is None or _empty(resolve(context, self.unless))


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


# --- building a document ---------------------------------------------------------------------


def resolve(context: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = context
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def template_context(
    template: DocumentTemplate,
    snapshot: Mapping[str, Any],
    issue: IssueData,
    subject_name: str,
    subject_nik: str | None,
) -> dict[str, Any]:
    return {
        "applicant": snapshot.get("applicant") or {},
        "form": snapshot.get("form") or {},
        "application": {
            "tracking_code": snapshot.get("tracking_code"),
            "service_code": snapshot.get("service_code"),
        },
        "document": {
            "number": issue.number,
            "title": template.title,
            "issued_on": issue.issued_at.date(),
            "region_name": issue.region_name,
            "signer_name": issue.signer_name,
            "signer_title": issue.signer_title,
            "verify_url": issue.verify_url,
        },
        "subject": {"name": subject_name, "nik": subject_nik},
    }


def build_content(
    template: DocumentTemplate, context: Mapping[str, Any], issue: IssueData
) -> DocumentContent | CardContent:
    """What `template` prints for one application (`context` from `template_context`)."""
    if template.layout == "card":
        return CardContent(
            document_type=template.output,
            title=template.title,
            document_number=issue.number,
            issued_at=issue.issued_at,
            issue_place=template.issue_place.plain(context) if template.issue_place else "",
            verify_url=issue.verify_url,
            header=[line.plain(context) for line in template.header],
            rows=[
                CardRow(row.label, row.value.plain(context), row.strong, row.max_lines)
                for row in template.rows
                if row.condition.holds(context)
            ],
            photo=template.photo,
        )
    return DocumentContent(
        document_type=template.output,
        title=template.title,
        document_number=issue.number,
        issued_at=issue.issued_at,
        region_name=issue.region_name,
        signer_name=issue.signer_name,
        signer_title=issue.signer_title,
        verify_url=issue.verify_url,
        body=[s for part in template.body if (s := _section(part, context)) is not None],
        orientation=template.orientation,
    )


def _section(
    part: FieldsPart | ParagraphPart | TablePart, context: Mapping[str, Any]
) -> FieldRows | Prose | TableSection | None:
    if isinstance(part, FieldsPart):
        rows = [(r.label, r.value.plain(context)) for r in part.rows if r.condition.holds(context)]
        return FieldRows(rows) if rows else None
    if isinstance(part, ParagraphPart):
        return Prose(part.text.markup(context)) if part.condition.holds(context) else None
    items = resolve(context, part.rows_path) or []
    return TableSection(
        heading=part.heading,
        columns=("No", *(c.label for c in part.columns)),
        rows=[{c.label: _cell(item, c) for c in part.columns} for item in items],
        weights={c.label: c.width for c in part.columns if c.width},
    )


def _cell(item: Mapping[str, Any], column: Column) -> str:
    return Placeholder((column.key,), column.formats).format(item)


# --- loading and checking --------------------------------------------------------------------


@dataclass(frozen=True)
class _Schema:
    """What paths a template of one output type may use, with the field types."""

    output: str
    form: Mapping[str, str] | None  # form field -> type; None = not checked (no catalogue)

    def field_type(self, path: tuple[str, ...]) -> str | None:
        """Type of the value at `path`; raises TemplateError for a path that cannot exist."""
        joined = ".".join(path)
        namespaces = {
            "applicant": APPLICANT_FIELDS,
            "document": DOCUMENT_FIELDS,
            "subject": SUBJECT_FIELDS,
            "application": APPLICATION_FIELDS,
        }
        if len(path) != 2:
            raise TemplateError(f"path {joined!r} must look like 'form.field_name'")
        root, key = path
        if root == "form":
            if self.form is None:
                return None
            if key not in self.form:
                raise TemplateError(
                    f"path {joined!r}: no service producing {self.output} has a form field "
                    f"{key!r} (fields: {', '.join(sorted(self.form))})"
                )
            return self.form[key]
        if root not in namespaces:
            raise TemplateError(
                f"path {joined!r} must start with one of: form, {', '.join(namespaces)}"
            )
        if key not in namespaces[root]:
            raise TemplateError(
                f"path {joined!r}: {root} has no {key!r} (has: {', '.join(namespaces[root])})"
            )
        return namespaces[root][key]


def load_templates(
    directory: Path = TEMPLATE_DIR, catalogue_file: Path | None = CATALOGUE_FILE
) -> Mapping[str, DocumentTemplate]:
    """Load and check every ``*.yaml`` template in `directory`, keyed by output type.

    With a catalogue, form paths are checked against the fields of the services producing each
    output type, and every output type of the catalogue must have a template. All problems of
    all files are reported together in one TemplateError.
    """
    catalogue = _catalogue_fields(catalogue_file) if catalogue_file is not None else None
    templates: dict[str, DocumentTemplate] = {}
    problems: list[str] = []
    for path in sorted(Path(directory).glob("*.yaml")):
        output = path.stem
        form = None if catalogue is None else catalogue.get(output, {})
        try:
            templates[output] = _load_one(path, _Schema(output, form))
        except TemplateError as exc:
            problems.append(f"{path.name}: {exc}")
    if catalogue is not None:
        problems += [
            f"no template for output document {output} (expected {output}.yaml)"
            for output in sorted(set(catalogue) - set(templates))
        ]
    if problems:
        raise TemplateError("invalid document templates:\n  " + "\n  ".join(problems))
    return MappingProxyType(templates)


def _yaml(text: str) -> Any:
    # libyaml's safe loader when PyYAML was built with it: ten times faster than pure Python.
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _catalogue_fields(catalogue_file: Path) -> dict[str, dict[str, str]]:
    """Output document -> {form field: type}, over every service producing that document."""
    try:
        data = _yaml(Path(catalogue_file).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateError(f"cannot read the service catalogue {catalogue_file}: {exc}") from exc
    groups = data.get("field_groups") or {}
    fields: dict[str, dict[str, str]] = {}
    for service in data.get("services") or []:
        output_fields = fields.setdefault(service["output_document"], {})
        for entry in service.get("form") or []:
            for spec in groups.get(entry["include"], []) if "include" in entry else [entry]:
                output_fields[spec["name"]] = spec["type"]
    return fields


def _load_one(path: Path, schema: _Schema) -> DocumentTemplate:
    if not re.fullmatch(r"[A-Z][A-Z0-9_]*", path.stem):
        raise TemplateError("the file name must be the output type in capitals, e.g. KK.yaml")
    try:
        data = _yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TemplateError(f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise TemplateError("a template is a mapping with at least 'title' and 'layout'")
    layout = data.get("layout", "a4")
    if layout not in LAYOUTS:
        raise TemplateError(f"layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    _check_keys(data, _TOP_KEYS[layout], f"a {layout} template")
    title = _string(data.get("title"), "title")
    if layout == "card":
        return DocumentTemplate(
            output=path.stem,
            title=title,
            layout=layout,
            source=path,
            header=tuple(
                _text(line, schema, f"header[{i}]")
                for i, line in enumerate(_list(data.get("header", []), "header"))
            ),
            rows=_rows(data.get("fields"), schema, "fields"),
            issue_place=_text(data.get("issue_place", ""), schema, "issue_place"),
            photo=_bool(data.get("photo", True), "photo"),
        )
    orientation = data.get("orientation", "auto")
    if orientation not in ORIENTATIONS:
        raise TemplateError(f"orientation must be one of {', '.join(ORIENTATIONS)}")
    body = _list(data.get("body"), "body")
    if not body:
        raise TemplateError("body must list at least one section (fields, paragraph or table)")
    return DocumentTemplate(
        output=path.stem,
        title=title,
        layout=layout,
        source=path,
        orientation=orientation,
        body=tuple(_part(item, schema, f"body[{i}]") for i, item in enumerate(body)),
    )


def _part(item: Any, schema: _Schema, where: str) -> FieldsPart | ParagraphPart | TablePart:
    if not isinstance(item, dict):
        raise TemplateError(f"{where}: a section is a mapping with fields, paragraph or table")
    kinds = [k for k in ("fields", "paragraph", "table") if k in item]
    if len(kinds) != 1:
        raise TemplateError(f"{where}: give exactly one of fields, paragraph, table")
    kind = kinds[0]
    if kind == "fields":
        _check_keys(item, {"fields"}, where)
        return FieldsPart(_rows(item["fields"], schema, f"{where}.fields"))
    if kind == "paragraph":
        _check_keys(item, {"paragraph", "when", "unless"}, where)
        text = _text(item["paragraph"], schema, f"{where}.paragraph")
        _check_markup(text, f"{where}.paragraph")
        return ParagraphPart(text, _condition(item, schema, where))
    _check_keys(item, {"table"}, where)
    return _table(item["table"], schema, f"{where}.table")


def _rows(value: Any, schema: _Schema, where: str) -> tuple[Row, ...]:
    rows = _list(value, where)
    if not rows:
        raise TemplateError(f"{where}: list at least one row")
    return tuple(_row(row, schema, f"{where}[{i}]") for i, row in enumerate(rows))


def _row(item: Any, schema: _Schema, where: str) -> Row:
    if not isinstance(item, dict):
        raise TemplateError(f"{where}: a row is a mapping with label and value (or text)")
    _check_keys(item, _ROW_KEYS, where)
    label = _string(item.get("label"), f"{where}.label")
    if ("value" in item) == ("text" in item):
        raise TemplateError(f"{where}: give either value (a path) or text, not both or neither")
    if "value" in item:
        path = _path(item["value"], f"{where}.value")
        formats = _formats(item.get("format", "text"), f"{where}.format")
        placeholder = Placeholder(path, formats)
        _check_placeholder(placeholder, schema, where)
        text = Text((placeholder,))
    else:
        if "format" in item:
            raise TemplateError(f"{where}: put formatters inside the text, e.g. {{path|date}}")
        text = _text(item["text"], schema, f"{where}.text")
    max_lines = item.get("max_lines", 1)
    if not isinstance(max_lines, int) or isinstance(max_lines, bool) or not 1 <= max_lines <= 4:
        raise TemplateError(f"{where}.max_lines must be a whole number from 1 to 4")
    return Row(
        label=label,
        value=text,
        condition=_condition(item, schema, where),
        strong=_bool(item.get("strong", False), f"{where}.strong"),
        max_lines=max_lines,
    )


def _table(value: Any, schema: _Schema, where: str) -> TablePart:
    if not isinstance(value, dict):
        raise TemplateError(f"{where}: a table is a mapping with rows and columns")
    _check_keys(value, _TABLE_KEYS, where)
    rows_path = _path(value.get("rows"), f"{where}.rows")
    kind = schema.field_type(rows_path) if rows_path[0] == "form" else None
    if rows_path[0] != "form" or (schema.form is not None and kind not in LIST_TYPES):
        raise TemplateError(
            f"{where}.rows must be a list field of the form ({', '.join(sorted(LIST_TYPES))})"
        )
    item_fields = ITEM_FIELDS.get(kind or "")
    columns = _list(value.get("columns"), f"{where}.columns")
    if not columns:
        raise TemplateError(f"{where}.columns: list at least one column")
    parsed = []
    for i, column in enumerate(columns):
        at = f"{where}.columns[{i}]"
        if not isinstance(column, dict):
            raise TemplateError(f"{at}: a column is a mapping with label and value")
        _check_keys(column, _COLUMN_KEYS, at)
        key = _string(column.get("value"), f"{at}.value")
        if item_fields is not None and key not in item_fields:
            raise TemplateError(
                f"{at}.value: items of {'.'.join(rows_path)} have no {key!r} "
                f"(have: {', '.join(item_fields)})"
            )
        formats = _formats(column.get("format", "text"), f"{at}.format")
        _check_formats(formats, item_fields.get(key) if item_fields else None, at)
        width = column.get("width")
        if width is not None and (not isinstance(width, int | float) or width <= 0):
            raise TemplateError(f"{at}.width must be a positive number (relative width)")
        parsed.append(Column(_string(column.get("label"), f"{at}.label"), key, formats, width))
    heading = value.get("heading", "")
    return TablePart(_string(heading, f"{where}.heading", empty=True), rows_path, tuple(parsed))


def _condition(item: dict[str, Any], schema: _Schema, where: str) -> Condition:
    paths = {}
    for key in ("when", "unless"):
        if key in item:
            paths[key] = _path(item[key], f"{where}.{key}")
            try:
                schema.field_type(paths[key])
            except TemplateError as exc:
                raise TemplateError(f"{where}.{key}: {exc}") from None
    return Condition(**paths)


def _text(value: Any, schema: _Schema, where: str) -> Text:
    source = _string(value, where, empty=True)
    parts: list[str | Placeholder] = []
    position = 0
    for match in _PLACEHOLDER.finditer(source):
        parts.append(source[position : match.start()])
        placeholder = Placeholder(
            _path(match.group(1), where),
            _formats(match.group(2)[1:] or "text", where),
        )
        _check_placeholder(placeholder, schema, where)
        parts.append(placeholder)
        position = match.end()
    parts.append(source[position:])
    literal = "".join(p for p in parts if isinstance(p, str))
    if "{" in literal or "}" in literal:
        raise TemplateError(
            f"{where}: unbalanced or malformed placeholder in {source!r}; write {{form.field}} "
            "or {form.field|formatter}"
        )
    return Text(tuple(p for p in parts if p != ""))


def _check_placeholder(placeholder: Placeholder, schema: _Schema, where: str) -> None:
    try:
        kind = schema.field_type(placeholder.path)
    except TemplateError as exc:
        raise TemplateError(f"{where}: {exc}") from None
    if kind in LIST_TYPES:
        raise TemplateError(f"{where}: {'.'.join(placeholder.path)} is a list; use a table")
    _check_formats(placeholder.formats, kind, where)


def _check_formats(formats: tuple[str, ...], kind: str | None, where: str) -> None:
    for index, name in enumerate(formats):
        if name not in formatters.FORMATTERS:
            raise TemplateError(
                f"{where}: unknown formatter {name!r} (known: {', '.join(formatters.FORMATTERS)})"
            )
        accepted = formatters.INPUT_TYPES.get(name)
        # Only the first formatter sees the raw value; its type is known from the catalogue.
        if index == 0 and kind is not None and accepted is not None and kind not in accepted:
            raise TemplateError(
                f"{where}: formatter {name!r} needs a field of type "
                f"{' or '.join(sorted(accepted))}, not {kind}"
            )


def _check_markup(text: Text, where: str) -> None:
    """Reject markup reportlab cannot parse now, not when the first document is printed."""
    register_fonts()
    sample = text.markup({})  # every placeholder prints "-"
    try:
        prose_paragraph(sample)
    except ValueError as exc:
        raise TemplateError(f"{where}: invalid paragraph markup: {exc}") from None


def _path(value: Any, where: str) -> tuple[str, ...]:
    text = _string(value, where)
    parts = tuple(text.split("."))
    if not all(re.fullmatch(r"[A-Za-z_]\w*", p) for p in parts):
        raise TemplateError(f"{where}: {text!r} is not a dotted path like form.child_name")
    return parts


def _formats(value: Any, where: str) -> tuple[str, ...]:
    names: Iterable[Any] = value.split("|") if isinstance(value, str) else _list(value, where)
    result = tuple(str(n).strip() for n in names)
    if not result or not all(result):
        raise TemplateError(f"{where}: empty formatter name")
    return result


def _check_keys(item: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise TemplateError(
            f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})"
        )


def _string(value: Any, where: str, *, empty: bool = False) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise TemplateError(f"{where} must be {'a' if empty else 'a non-empty'} text")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TemplateError(f"{where} must be a list")
    return value


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise TemplateError(f"{where} must be true or false")
    return value
