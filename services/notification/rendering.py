"""Which template an event uses, and rendering it for one channel (Jinja2, Bahasa Indonesia).

Templates live in ``templates/<channel>/<template>.txt`` and start with ``{# version: N #}``;
the version is recorded on every message. Email and inbox templates start with a
``Subject:`` line. Adding a notification for a new status is one template per channel plus one
line in ``TEMPLATES``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.exceptions import TemplateNotFound

from silasidakep.clock import WIB
from silasidakep.masking import mask_identity_numbers

TEMPLATE_DIR = Path(__file__).with_name("templates")
CHANNELS = ("EMAIL", "SMS", "WHATSAPP", "INBOX")
SMS_LIMIT = 160

# (event type, status or None) -> template name. status_changed is keyed by its status.
STATUS_EVENT = "application.status_changed"
TEMPLATES: dict[tuple[str, str | None], str] = {
    **{
        (STATUS_EVENT, status): f"status_{status.lower()}"
        for status in (
            "SUBMITTED", "IN_VERIFICATION", "REVISION_REQUESTED", "REJECTED",
            "AWAITING_BIOMETRICS", "APPROVED", "AWAITING_SIGNATURE", "ISSUED",
            "QUEUED_AT_KECAMATAN", "PRINTED", "COLLECTED",
            "AWAITING_BLANKO", "CANCELLED",
        )
    },
    ("application.download_pin_issued", None): "download_pin",
    ("appointment.booked", None): "appointment_booked",
    ("appointment.rescheduled", None): "appointment_rescheduled",
    ("appointment.cancelled", None): "appointment_cancelled",
    ("appointment.reminder_due", None): "appointment_reminder_due",
    ("complaint.filed", None): "complaint_filed",
    ("complaint.answered", None): "complaint_answered",
    ("citizen.code_requested", None): "one_time_code",
    ("application.contact_changed", None): "contact_changed",
    ("survey.invited", None): "survey_invitation",
    ("application.document_revoked", None): "document_revoked",
}
# Messages that carry a secret: never stored (no body, no body digest, a subject without the
# secret), so never shown in the inbox.
SECRET_TEMPLATES = frozenset({"download_pin", "one_time_code"})
# Secret-free stand-in for the stored subject of a secret message on a channel without subjects.
SECRET_SUBJECTS = {"download_pin": "PIN unduh dokumen", "one_time_code": "Kode sekali pakai"}
# Messages whose text holds a personal link (the survey's token): on a channel without subjects
# the staff list shows this label instead of the text, so staff never see the link.
LINK_SUBJECTS = {"survey_invitation": "Undangan survei kepuasan"}
# What a one-time code is for, in the citizen's words (``{tracking}``: the application's code).
CODE_PURPOSES = {
    "SIGN_IN": "kode masuk",
    "ATTACH": "kode untuk menautkan permohonan {tracking} ke akun Anda",
    "RECOVER": "kode untuk memulihkan akses permohonan {tracking}",
    "CONTACT": "kode verifikasi kontak",
    "APPLICATION_CONTACT": "kode untuk mengganti kontak permohonan {tracking}",
}
STAFF_TEMPLATES = ("staff_breach_digest", "staff_channel_alert")


def template_for(event_type: str, event: dict[str, Any]) -> str | None:
    """The template name, or None when the event is not something the citizen is told about
    (e.g. a status without a template yet)."""
    if event_type == STATUS_EVENT:
        return TEMPLATES.get((event_type, event["status"]))
    return TEMPLATES.get((event_type, None))


@dataclass(frozen=True)
class Rendered:
    template: str
    channel: str
    version: int
    subject: str
    text: str


DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember",
)




def tanggal(value: date | datetime) -> str:
    """``2 Desember 2026``, or ``2 Desember 2026 pukul 16.00 WIB`` for an aware datetime."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        local = value.astimezone(WIB)
        return f"{local.day} {MONTHS[local.month - 1]} {local.year} pukul {local:%H.%M} WIB"
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def hari_tanggal(day: date) -> str:
    """``Senin, 30 November 2026``."""
    return f"{DAYS[day.weekday()]}, {day.day} {MONTHS[day.month - 1]} {day.year}"


def appointment_when(event: dict[str, Any]) -> str:
    start, end = event["start_time"], event["end_time"]
    return f"{hari_tanggal(event['slot_date'])}, pukul {start:%H.%M}-{end:%H.%M} WIB"


def context_for(template: str, event: dict[str, Any], public_base_url: str) -> dict[str, Any]:
    # The tracking page holds the citizen's access token; links never carry it.
    page = f"{public_base_url}/permohonan"
    context: dict[str, Any] = {"event": event, "tracking_url": page, "download_url": page}
    if template.startswith("appointment_"):
        context["when"] = appointment_when(event)
        context["appointments_url"] = page
    if template.startswith("complaint_"):
        context["noun"] = "Pengaduan" if event["kind"] == "COMPLAINT" else "Saran"
        context["complaint_url"] = f"{public_base_url}/pengaduan"
    if template == "one_time_code":
        context["purpose_text"] = code_purpose_text(event)
    if template == "contact_changed":
        context["what"] = "Email" if event["field"] == "email" else "Nomor ponsel"
        context["complaint_url"] = f"{public_base_url}/pengaduan"
    if template == "survey_invitation":
        context["survey_url"] = f"{public_base_url}/survei/{event['survey_token']}"
    if template == "document_revoked":
        # Where a correction (PEMBETULAN) or a new document is applied for: the services.
        context["services_url"] = f"{public_base_url}/"
    return context


def code_purpose_text(event: dict[str, Any]) -> str:
    """``kode masuk``, ``kode untuk menautkan permohonan SLS-… ke akun Anda``, ..."""
    return CODE_PURPOSES[event["purpose"]].format(tracking=event.get("tracking_code") or "")


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        # Text templates are not escaped; an HTML email part would be.
        autoescape=select_autoescape(["html"]),
    )
    env.filters["tanggal"] = tanggal
    return env


_VERSION = re.compile(r"^\{#\s*version:\s*(\d+)\s*#\}")


def template_path(channel: str, template: str) -> str:
    return f"{channel.lower()}/{template}.txt"


def has_template(channel: str, template: str) -> bool:
    return (TEMPLATE_DIR / template_path(channel, template)).is_file()


def template_version(channel: str, template: str) -> int:
    source = (TEMPLATE_DIR / template_path(channel, template)).read_text(encoding="utf-8")
    match = _VERSION.match(source)
    if not match:
        raise ValueError(f"{template_path(channel, template)} has no version comment")
    return int(match.group(1))


# Characters outside the GSM 03.38 alphabet that citizens' text and our templates may hold.
_GSM_REPLACEMENTS = str.maketrans({
    "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "•": "-",
    "\u00a0": " ",
})


def to_sms(text: str) -> str:
    """One line of GSM-7 text of at most 160 characters (one SMS segment)."""
    text = " ".join(text.translate(_GSM_REPLACEMENTS).split())
    text = text.encode("ascii", "replace").decode()
    if len(text) > SMS_LIMIT:
        text = text[: SMS_LIMIT - 2] + ".."
    return text


def render(channel: str, template: str, context: dict[str, Any]) -> Rendered:
    path = template_path(channel, template)
    try:
        text = environment().get_template(path).render(**context)
    except TemplateNotFound:
        raise LookupError(f"no {channel} template {template}") from None
    text = mask_identity_numbers(_VERSION.sub("", text, count=1).lstrip("\n"))
    subject = ""
    if text.startswith("Subject: "):
        first, _, rest = text.partition("\n")
        subject, text = first.removeprefix("Subject: ").strip(), rest.lstrip("\n")
    if channel == "SMS":
        text = to_sms(text)
    return Rendered(template, channel, template_version(channel, template), subject, text)


def catalogue() -> list[dict[str, Any]]:
    """Every template per channel with its version (the staff view)."""
    names = sorted({*TEMPLATES.values(), *STAFF_TEMPLATES})
    return [
        {
            "template": name,
            "channels": {
                channel: template_version(channel, name)
                for channel in CHANNELS if has_template(channel, name)
            },
        }
        for name in names
    ]


# --- sample events: staff preview and the rendering tests ---------------------------------------

SAMPLE_RECIPIENT = {
    "name": "Siti Nurhaliza Rahmawati", "email": "siti@example.org", "phone": "081234567890",
    "nik_masked": "3211**********01", "channels": list(CHANNELS),
}


def sample_event(template: str) -> dict[str, Any]:
    base = {"tracking_code": "SLS-7K2M9Q4P", "recipient": dict(SAMPLE_RECIPIENT)}
    if template.startswith("status_"):
        return {
            **base, "application_id": "00000000-0000-4000-8000-000000000001",
            "service_code": "KK_PERUBAHAN", "service_name": "Perubahan Kartu Keluarga",
            "status": template.removeprefix("status_").upper(), "previous_status": "SUBMITTED",
            "changed_at": datetime(2026, 12, 1, 2, 0), "reason_code": "DOKUMEN_TIDAK_JELAS",
            "reason_text": "Pindaian dokumen tidak terbaca", "note": "Mohon unggah ulang KK.",
            "document_number": "3211-KK-2026-000123", "fix_fields": ["form.alamat"],
            "fix_documents": ["KK_LAMA"], "fix_labels": ["Alamat", "Kartu Keluarga lama"],
            "expected_completion_at": datetime(2026, 12, 3, 9, 0).astimezone(),
        }
    if template == "download_pin":
        return {**base, "application_id": "00000000-0000-4000-8000-000000000001",
                "document_number": "3211-KK-2026-000123", "pin": "123456",
                "document_numbers": ["3211-KK-2026-000123", "3211-KIA-2026-000124"]}
    if template == "document_revoked":
        return {**base, "application_id": "00000000-0000-4000-8000-000000000001",
                "service_code": "AKTA_LAHIR", "service_name": "Akta Kelahiran",
                "document_number": "3211-KK-2026-000124", "document_type": "KK",
                "document_label": "Kartu Keluarga",
                "reason": "Terdapat kesalahan penulisan nama anggota keluarga.",
                "revoked_at": datetime(2026, 12, 1, 2, 0).astimezone()}
    if template.startswith("appointment_"):
        return {
            **base, "appointment_id": "00000000-0000-4000-8000-000000000002",
            "application_id": "00000000-0000-4000-8000-000000000001",
            "step": "BIOMETRICS", "step_label": "Perekaman biometrik KTP-el",
            "location": {"code": "KEC-321106", "name": "Kantor Kecamatan Sumedang Utara",
                         "address": "Jl. Prabu Gajah Agung No. 1, Sumedang"},
            "slot_date": date(2026, 12, 7), "start_time": time(8, 0), "end_time": time(9, 0),
        }
    if template == "survey_invitation":
        return {**base, "application_id": "00000000-0000-4000-8000-000000000001",
                "service_code": "KK_PERUBAHAN", "service_name": "Perubahan Kartu Keluarga",
                "survey_token": "contoh-token-survei-0000000000000000000000",
                "invited_at": datetime(2026, 12, 1, 2, 0).astimezone()}
    if template == "contact_changed":
        return {**base, "application_id": "00000000-0000-4000-8000-000000000001",
                "field": "email", "value_masked": "ba***@example.org",
                "changed_at": datetime(2026, 12, 1, 2, 0).astimezone()}
    if template.startswith("complaint_"):
        return {
            **base, "complaint_id": "00000000-0000-4000-8000-000000000003",
            "tracking_code": "ADU-3F8K2M", "kind": "COMPLAINT", "category": "LAMBAT",
            "application_tracking_code": "SLS-7K2M9Q4P",
            "status": "ANSWERED" if template.endswith("answered") else "OPEN",
            "answer": "Permohonan Anda sudah kami proses hari ini.",
            "at": datetime(2026, 12, 1, 2, 0),
        }
    if template == "one_time_code":
        # ATTACH shows the tracking code; the code is not 123456 (the PIN sample), so the tests
        # can tell a leaked PIN from this code.
        return {**base, "purpose": "ATTACH", "code": "739154",
                "expires_at": datetime(2026, 12, 1, 2, 5).astimezone(),
                "recipient": {**SAMPLE_RECIPIENT, "channels": ["WHATSAPP"]}}
    raise LookupError(f"no sample for {template}")


def staff_context(template: str) -> dict[str, Any]:
    if template == "staff_breach_digest":
        return {"breaches": [{"tracking_code": "SLS-7K2M9Q4P", "service_code": "KK_PERUBAHAN",
                              "status": "SUBMITTED", "hours_late": 5.5}]}
    return {"channel": "SMS", "failures": 5, "last_error": "HTTP 503"}


def preview(template: str, channel: str, public_base_url: str) -> Rendered:
    if template in STAFF_TEMPLATES:
        return render(channel, template, staff_context(template))
    return render(channel, template, context_for(template, sample_event(template),
                                                  public_base_url))


def preview_view(template: str, channel: str, public_base_url: str) -> dict[str, Any]:
    """What the staff preview shows: the template rendered with its sample data."""
    rendered = preview(template, channel, public_base_url)
    return {"template": template, "channel": channel, "version": rendered.version,
            "subject": rendered.subject, "text": rendered.text, "length": len(rendered.text)}
