"""Document templates: what each output document prints, as data the Dinas can edit.

One YAML file per output type in ``services/printing/templates/`` (``KK.yaml``,
``AKTA_LAHIR.yaml``, ...), loaded and checked at start-up by ``template_loader``. This module
builds a document's content from a loaded template and the approved application's snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.printing.documents.card import CardContent, CardRow
from services.printing.documents.content import (
    DocumentContent,
    FieldRows,
    Prose,
    TableSection,
)
from services.printing.documents.template_model import (
    Column,
    DocumentTemplate,
    FieldsPart,
    IssueData,
    ParagraphPart,
    Placeholder,
    TablePart,
    resolve,
)

# --- building a document ---------------------------------------------------------------------


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
