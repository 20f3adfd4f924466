"""Numbers printed on issued documents.

Format: ``{regency code without dots}-{document type}-{year}-{serial:06d}``, e.g.
``3211-KK-2026-000123`` for the 123rd KK issued by Kabupaten Sumedang (Kemendagri code 32.11)
in 2026. The serial is allocated by the caller (per regency, type and year); this module only
formats and checks the parts. This is Silasidakep's own document number for verification and
re-download, not the 16-digit KK number, which identifies the family.
"""

from __future__ import annotations

import re
from datetime import date

_REGENCY_CODE = re.compile(r"^\d{2}\.?\d{2}$")  # "32.11" or "3211"
_DOCUMENT_TYPE = re.compile(r"^[A-Z][A-Z0-9_]*$")  # e.g. KK, AKTA_LAHIR
MAX_SERIAL = 999_999
# Register codes printed in the number, after civil-registry practice (LT = kelahiran, KM =
# kematian, KW = perkawinan, CR = perceraian); other types print their own name.
REGISTER_CODES = {"AKTA_LAHIR": "LT", "AKTA_MATI": "KM", "AKTA_KAWIN": "KW", "AKTA_CERAI": "CR",
                  "KTP_EL": "KTP", "BIODATA": "BIO"}


def document_number(document_type: str, regency_code: str, issued_on: date, serial: int) -> str:
    """Format a document number; raises ValueError on malformed parts.

    >>> document_number("KK", "32.11", date(2026, 11, 28), 123)
    '3211-KK-2026-000123'
    """
    if not _REGENCY_CODE.match(regency_code):
        raise ValueError(f"regency code must look like '32.11', got {regency_code!r}")
    if not _DOCUMENT_TYPE.match(document_type):
        raise ValueError(f"document type must be upper-case like 'KK', got {document_type!r}")
    if not 1 <= serial <= MAX_SERIAL:
        raise ValueError(f"serial must be between 1 and {MAX_SERIAL}, got {serial}")
    register = REGISTER_CODES.get(document_type, document_type)
    return f"{regency_code.replace('.', '')}-{register}-{issued_on.year}-{serial:06d}"
