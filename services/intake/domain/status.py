"""The application state machine as the citizen sees it (see docs/architecture.md)."""

from __future__ import annotations

from enum import StrEnum

from silasidakep.errors import Conflict


class Status(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    IN_VERIFICATION = "IN_VERIFICATION"
    REVISION_REQUESTED = "REVISION_REQUESTED"
    REJECTED = "REJECTED"
    AWAITING_BIOMETRICS = "AWAITING_BIOMETRICS"
    APPROVED = "APPROVED"
    AWAITING_SIGNATURE = "AWAITING_SIGNATURE"
    ISSUED = "ISSUED"
    # Cekatan: the kecamatan print queue after issuance (printing's print job, mirrored).
    QUEUED_AT_KECAMATAN = "QUEUED_AT_KECAMATAN"
    AWAITING_BLANKO = "AWAITING_BLANKO"
    PRINTED = "PRINTED"
    COLLECTED = "COLLECTED"
    CANCELLED = "CANCELLED"


S = Status
# Where a verifier's decision leads (approval may first wait for an in-person step).
DECIDED = frozenset({S.APPROVED, S.AWAITING_BIOMETRICS, S.REJECTED, S.REVISION_REQUESTED})
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.CANCELLED}),
    # A decision may overtake the claim event: verification events are not ordered.
    S.SUBMITTED: frozenset({S.IN_VERIFICATION, S.CANCELLED, *DECIDED}),
    S.IN_VERIFICATION: frozenset({S.CANCELLED, *DECIDED}),
    S.REVISION_REQUESTED: frozenset({S.SUBMITTED, S.CANCELLED}),
    # Approved, but the law requires an in-person step (KTP-el biometric recording) first.
    S.AWAITING_BIOMETRICS: frozenset({S.APPROVED, S.CANCELLED}),
    # SIGNING_MODE=manual: the draft waits for the head of the Dinas to sign it.
    S.APPROVED: frozenset({S.AWAITING_SIGNATURE, S.ISSUED}),
    S.AWAITING_SIGNATURE: frozenset({S.ISSUED}),
    S.REJECTED: frozenset(),
    # Cekatan (delivery KECAMATAN, and every KTP-el/KIA card): printing's print jobs, mirrored
    # as the least advanced of them (``cekatan_status``, reached step by step: ``route``).
    S.ISSUED: frozenset({S.QUEUED_AT_KECAMATAN, S.AWAITING_BLANKO}),
    S.QUEUED_AT_KECAMATAN: frozenset({S.PRINTED, S.AWAITING_BLANKO}),
    S.AWAITING_BLANKO: frozenset({S.QUEUED_AT_KECAMATAN}),
    S.PRINTED: frozenset({S.COLLECTED}),
    S.COLLECTED: frozenset(),
    S.CANCELLED: frozenset(),
}
# Issued: the signed PDF can be downloaded with the PIN, whatever the print queue does.
DOWNLOADABLE = frozenset({
    S.ISSUED, S.QUEUED_AT_KECAMATAN, S.AWAITING_BLANKO, S.PRINTED, S.COLLECTED,
})
# Approved and waiting for printing: its documents are issued one by one.
ISSUING = frozenset({S.APPROVED, S.AWAITING_SIGNATURE})
# A document is issued only in these statuses, and no transition leads out of them (tested):
# an application that was never in one has no document number yet.
MAY_HOLD_DOCUMENTS = ISSUING | DOWNLOADABLE

# The kecamatan print queue from the least to the most advanced (a card waiting for blanko has
# not been queued yet).
CEKATAN_ORDER = (S.AWAITING_BLANKO, S.QUEUED_AT_KECAMATAN, S.PRINTED, S.COLLECTED)
PRINT_CANCELLED = "CANCELLED"  # a print job's own state (its document was revoked)


def cekatan_status(job_states: list[str | None]) -> Status | None:
    """The application's Cekatan status from its documents' print jobs: the least advanced of
    the jobs not cancelled (COLLECTED once all are collected). None while a job the application
    expects has not been announced yet (``None`` in the list), or when none is left."""
    live = [state for state in job_states if state != PRINT_CANCELLED]
    if not live or any(state is None for state in live):
        return None
    return min((Status(state) for state in live), key=CEKATAN_ORDER.index)


def route(current: str, target: str) -> list[Status]:
    """The shortest way from ``current`` to ``target`` by allowed transitions (``target``
    last; empty when there is none or they are equal). With several print jobs the least
    advanced may move ahead by more than one step: a revoked document's job is cancelled and
    leaves the others, or the application became ISSUED (its last document signed) after an
    earlier document's job had moved on; the application then passes each step between."""
    start, goal = Status(current), Status(target)
    paths: dict[Status, list[Status]] = {start: []}
    frontier = [start]
    while frontier and goal not in paths:
        following = []
        for status in frontier:
            for step in sorted(TRANSITIONS[status]):
                if step not in paths:
                    paths[step] = [*paths[status], step]
                    following.append(step)
        frontier = following
    return paths.get(goal, []) if goal != start else []


EDITABLE = frozenset({S.DRAFT, S.REVISION_REQUESTED})
# The Dinas, not the citizen, has the next move: late here is a service-time breach.
IN_SERVICE_HANDS = (S.SUBMITTED, S.IN_VERIFICATION, S.APPROVED, S.AWAITING_SIGNATURE)
# Printing takes over on APPROVED (rendering, then signing, automatic or by the signer),
# so a citizen may cancel only before that.
CANCELLABLE = frozenset(s for s, targets in TRANSITIONS.items() if S.CANCELLED in targets)
DECISION_STATUS = {
    "APPROVE": S.APPROVED,
    "REJECT": S.REJECTED,
    "REQUEST_REVISION": S.REVISION_REQUESTED,
}


def can_transition(current: str, target: str) -> bool:
    return Status(target) in TRANSITIONS[Status(current)]


def require_transition(current: str, target: str) -> Status:
    if not can_transition(current, target):
        raise Conflict(
            f"Permohonan berstatus {current} tidak dapat diubah menjadi {target}.",
            code="INVALID_STATUS",
        )
    return Status(target)


def require_editable(current: str) -> None:
    if Status(current) not in EDITABLE:
        raise Conflict(
            "Permohonan hanya dapat diubah saat masih draf atau diminta perbaikan.",
            code="NOT_EDITABLE",
        )


# What the citizen reads on the tracking page: a short label and where the application is now.
STATUS_TEXT: dict[Status, tuple[str, str]] = {
    S.DRAFT: ("Draf", "Permohonan belum diajukan. Lengkapi formulir dan dokumen, lalu ajukan."),
    S.SUBMITTED: ("Diajukan", "Permohonan menunggu diperiksa petugas verifikasi."),
    S.IN_VERIFICATION: ("Diverifikasi", "Petugas sedang memeriksa data dan dokumen Anda."),
    S.REVISION_REQUESTED: (
        "Perlu perbaikan",
        "Perbaiki data atau dokumen yang diminta petugas, lalu ajukan kembali.",
    ),
    S.AWAITING_BIOMETRICS: (
        "Menunggu perekaman",
        "Permohonan disetujui. Datang ke lokasi layanan sesuai jadwal untuk perekaman biometrik.",
    ),
    S.APPROVED: ("Disetujui", "Dokumen sedang diterbitkan dan ditandatangani secara elektronik."),
    S.AWAITING_SIGNATURE: (
        "Menunggu tanda tangan",
        "Dokumen sudah disiapkan dan menunggu tanda tangan elektronik Kepala Dinas.",
    ),
    S.ISSUED: ("Terbit", "Dokumen sudah terbit. Unduh dengan PIN yang dikirim terpisah."),
    S.QUEUED_AT_KECAMATAN: (
        "Antri cetak di kecamatan",
        "Dokumen masuk antrean cetak di kantor kecamatan Anda. Unduhan dengan PIN tetap tersedia.",
    ),
    S.AWAITING_BLANKO: (
        "Menunggu blanko",
        "Blanko kartu di kecamatan sedang habis. Surat keterangan pengganti sementara dapat"
        " diambil di kecamatan; kartu dicetak begitu blanko tersedia.",
    ),
    S.PRINTED: ("Dicetak", "Dokumen sudah dicetak dan dapat diambil di kantor kecamatan."),
    S.COLLECTED: ("Diambil", "Dokumen sudah diambil di kantor kecamatan."),
    S.REJECTED: ("Ditolak", "Permohonan ditolak. Lihat alasan penolakan."),
    S.CANCELLED: ("Dibatalkan", "Permohonan dibatalkan."),
}


def expected_path(
    needs_biometrics: bool, awaits_signature: bool = False, at_kecamatan: bool = False,
    awaits_blanko: bool = False,
) -> list[Status]:
    """The statuses an application passes through when all goes well."""
    path = [S.DRAFT, S.SUBMITTED, S.IN_VERIFICATION]
    if needs_biometrics:
        path.append(S.AWAITING_BIOMETRICS)
    path.append(S.APPROVED)
    if awaits_signature:
        path.append(S.AWAITING_SIGNATURE)
    path.append(S.ISSUED)
    if at_kecamatan:
        if awaits_blanko:
            path.append(S.AWAITING_BLANKO)
        path.extend((S.QUEUED_AT_KECAMATAN, S.PRINTED, S.COLLECTED))
    return path
