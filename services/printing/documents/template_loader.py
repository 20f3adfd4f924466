"""Loading and checking document templates: everything is checked when the templates are loaded
(service start-up), not when a document is printed: unknown keys, unknown formatters, paths that
no snapshot can have, formatters that do not fit the field's type, unbalanced placeholders and
invalid paragraph markup.

Printing does not read intake's catalogue: form paths are checked against form field types only
when the caller passes them (``form_fields``); the unit tests pass the catalogue's, so a template
pointing at a field no service has fails in CI.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from services.printing.documents import formatters
from services.printing.documents.drawing import register_fonts
from services.printing.documents.render import prose_paragraph
from services.printing.documents.template_model import (
    APPLICANT_FIELDS,
    APPLICATION_FIELDS,
    DOCUMENT_FIELDS,
    ITEM_FIELDS,
    LAYOUTS,
    LIST_TYPES,
    ORIENTATIONS,
    SUBJECT_FIELDS,
    TEMPLATE_DIR,
    Column,
    Condition,
    DocumentTemplate,
    FieldsPart,
    ParagraphPart,
    Placeholder,
    Row,
    TablePart,
    TemplateError,
    Text,
)

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.]*)((?:\|[A-Za-z_]+)*)\}")
_TOP_KEYS = {
    "a4": {"title", "layout", "orientation", "body"},
    "card": {"title", "layout", "header", "fields", "issue_place", "photo"},
}
_ROW_KEYS = {"label", "value", "format", "text", "when", "unless", "strong", "max_lines"}
_COLUMN_KEYS = {"label", "value", "format", "width"}
_TABLE_KEYS = {"heading", "rows", "columns"}


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
    directory: Path = TEMPLATE_DIR,
    form_fields: Mapping[str, Mapping[str, str]] | None = None,
) -> Mapping[str, DocumentTemplate]:
    """Load and check every ``*.yaml`` template in `directory`, keyed by output type.

    With ``form_fields`` (output document -> {form field: type}), form paths are checked against
    the fields of the services producing each output type, and every output type there must
    have a template. All problems of all files are reported together in one TemplateError.
    """
    catalogue = form_fields
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
