"""What the citizen's access log says, in Bahasa Indonesia: actions, roles, offices.

Actions are the audit chain's codes from every service; an unknown code (a newer service)
shows a generic label rather than the code."""

from __future__ import annotations

from collections.abc import Iterable

from silasidakep import regions

ACTIONS: dict[str, str] = {
    # verification
    "CLAIM": "Mengambil permohonan untuk diverifikasi",
    "VIEW_APPLICATION": "Membuka data permohonan",
    "VIEW_DOCUMENT": "Membuka dokumen unggahan",
    "DECIDE_APPROVE": "Menyetujui permohonan",
    "DECIDE_REQUEST_REVISION": "Meminta perbaikan",
    "DECIDE_REJECT": "Menolak permohonan",
    "SUPERVISOR_RETURN": "Mengembalikan permohonan ke antrean",
    "SUPERVISOR_REASSIGN": "Mengalihkan permohonan ke petugas lain",
    "AUDIT_VIEW": "Memeriksa log akses",
    "AUDIT_EXPORT": "Mengekspor log akses",
    # printing
    "VIEW_DRAFT": "Membuka draf dokumen",
    "SIGN_DOCUMENT": "Menandatangani dokumen",
    "REVOKE_DOCUMENT": "Mencabut dokumen",
    "VIEW_SUKET": "Membuka surat keterangan",
    "MARK_PRINTED": "Mencetak dokumen di kecamatan",
    "MARK_COLLECTED": "Menyerahkan dokumen kepada pemohon",
    # intake
    "MARK_ATTENDANCE": "Mencatat kehadiran",
    "ANSWER_COMPLAINT": "Menjawab pengaduan",
    "VIEW_FAMILY": "Membuka data keluarga (KK) untuk mengisi formulir",
    # notification
    "VIEW_MESSAGES": "Membuka riwayat pesan",
    "VIEW_WEBHOOK_DELIVERIES": "Membuka kiriman data ke aplikasi mitra",
}
OTHER_ACTION = "Mengakses data permohonan"

ROLES: dict[str, str] = {
    "verifier": "Verifikator",
    "supervisor": "Supervisor",
    "signer": "Pejabat penandatangan",
    "kecamatan_operator": "Operator kecamatan",
    "admin": "Administrator",
    "auditor": "Auditor",
}
SYSTEM = "Sistem"
DINAS_OFFICE = "Dinas Kependudukan dan Pencatatan Sipil"


def action_label(action: str) -> str:
    return ACTIONS.get(action, OTHER_ACTION)


def role_labels(roles: Iterable[str]) -> list[str]:
    """The roles in Indonesian (a system action, without staff, is "Sistem")."""
    labels = [ROLES.get(role, role) for role in roles]
    return labels or [SYSTEM]


def office_name(code: str | None) -> str:
    """A kecamatan office by its name; staff bound to no kecamatan work for the Dinas."""
    region = regions.get(code) if code else None
    return f"Kecamatan {region.name}" if region else DINAS_OFFICE
