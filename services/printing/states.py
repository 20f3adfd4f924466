"""Printing's states and outcomes. The values are stored, sent in events and returned over RPC
as they are; a ``StrEnum`` member equals (and serialises as) its value."""

from __future__ import annotations

from enum import StrEnum


class OutputKind(StrEnum):
    """How a document came about (``silasidakep.contracts.OUTPUT_KINDS``)."""

    ORIGINAL = "ORIGINAL"
    CORRECTION = "CORRECTION"  # pembetulan: supersedes the document it replaces
    REPRINT = "REPRINT"  # cetak ulang: a new copy superseding the lost one


class DocumentState(StrEnum):
    """Where issuing stands: allocated and rendering, parked for the signer, or issued."""

    RENDERING = "RENDERING"
    AWAITING_SIGNATURE = "AWAITING_SIGNATURE"
    ISSUED = "ISSUED"


class DocumentStatus(StrEnum):
    """What the public verification page says of a document number."""

    ACTIVE = "ACTIVE"
    SUPERSEDED = "SUPERSEDED"  # a newer document of the same type and subject was issued
    REVOKED = "REVOKED"
    UNKNOWN = "UNKNOWN"  # not (yet) an issued document; never stored


class SigningResult(StrEnum):
    """The outcome of signing one document at the signer's desk."""

    SIGNED = "SIGNED"
    ALREADY_SIGNED = "ALREADY_SIGNED"
    NOT_AWAITING_SIGNATURE = "NOT_AWAITING_SIGNATURE"
    NOT_FOUND = "NOT_FOUND"
    FAILED = "FAILED"


class JobState(StrEnum):
    """A print job at the kecamatan (Cekatan), in ``print_job.changed`` events too."""

    PENDING = "PENDING"  # waiting for the document's signature
    QUEUED = "QUEUED_AT_KECAMATAN"
    AWAITING_BLANKO = "AWAITING_BLANKO"
    PRINTED = "PRINTED"
    COLLECTED = "COLLECTED"
    CANCELLED = "CANCELLED"  # the document was revoked before it was collected


class DeskResult(StrEnum):
    """The outcome of a print-desk step (``result`` of mark_printed / mark_collected)."""

    PRINTED = "PRINTED"
    ALREADY_PRINTED = "ALREADY_PRINTED"
    BLANKO_EMPTY = "BLANKO_EMPTY"  # a card with no blanko on hand: the job waits
    COLLECTED = "COLLECTED"
    ALREADY_COLLECTED = "ALREADY_COLLECTED"


class MovementKind(StrEnum):
    """A line of the blanko ledger."""

    RECEIVED = "RECEIVED"  # stock delivered to the kecamatan
    ADJUSTED = "ADJUSTED"  # a stock-taking correction, ±
    USED = "USED"  # one blanko printed on or reserved for a waiting job (written by printing)
    RETURNED = "RETURNED"  # +1: a reserved blanko back in stock, its document revoked
