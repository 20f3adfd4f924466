"""Validation rules for identity numbers (NIK, KK) and person names.

Pure functions without I/O. Every problem is an `Issue` with a machine-readable `code`
and a citizen-facing `message` in Bahasa Indonesia. Errors reject the input; warnings are
only shown to the verifier, because real NIKs can legitimately disagree with the soft rules
(data-entry history, regions split after the NIK was issued).

NIK layout (16 digits): PP KK CC DDMMYY SSSS, see shared/domain.md section 2.
"""

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Sex = Literal["L", "P"]

# The 38 current province codes (Kemendagri, Kepmendagri 2022 onwards). Provinces that split
# keep their code and the new province gets a new one, so any NIK issued so far carries a code
# from this list. A future new province must be added here, otherwise its NIKs are rejected.
PROVINCE_CODES: frozenset[str] = frozenset(
    {
        "11", "12", "13", "14", "15", "16", "17", "18", "19", "21",  # Sumatra, Kep. Riau
        "31", "32", "33", "34", "35", "36",  # Java
        "51", "52", "53",  # Bali, Nusa Tenggara
        "61", "62", "63", "64", "65",  # Kalimantan
        "71", "72", "73", "74", "75", "76",  # Sulawesi
        "81", "82",  # Maluku
        "91", "92", "93", "94", "95", "96",  # Papua (93-96 created in 2022)
    }
)  # fmt: skip

# Women's NIKs carry the birth day plus 40.
FEMALE_DAY_OFFSET = 40


@dataclass(frozen=True)
class Issue:
    code: str
    message: str


@dataclass(frozen=True)
class IdentityCheck:
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _is_ascii_digits(value: str) -> bool:
    # str.isdigit alone also accepts e.g. Arabic-Indic digits and superscripts.
    return value.isascii() and value.isdigit()


def _format_issues(value: str, label: str, prefix: str) -> list[Issue]:
    issues: list[Issue] = []
    if value and not _is_ascii_digits(value):
        issues.append(Issue(f"{prefix}_NOT_DIGITS", f"{label} hanya boleh berisi angka 0-9."))
    if len(value) != 16:
        issues.append(Issue(f"{prefix}_LENGTH", f"{label} harus terdiri dari 16 digit."))
    return issues


def _is_regency_code(code: str) -> bool:
    # 01-69 are regencies (kabupaten), 71-99 cities (kota); 00 and 70 are never used.
    number = int(code)
    return 1 <= number <= 69 or 71 <= number <= 99


def _region_issues(region: str, label: str, prefix: str) -> list[Issue]:
    issues: list[Issue] = []
    if region[:2] not in PROVINCE_CODES:
        issues.append(
            Issue(f"{prefix}_PROVINCE", f"Kode provinsi pada {label} (digit 1-2) tidak dikenal.")
        )
    if not _is_regency_code(region[2:4]):
        issues.append(
            Issue(
                f"{prefix}_REGENCY",
                f"Kode kabupaten/kota pada {label} (digit 3-4) harus 01-69 atau 71-99.",
            )
        )
    return issues


def _serial_issues(value: str, label: str, prefix: str) -> list[Issue]:
    if value[12:] != "0000":
        return []
    message = f"Nomor urut pada {label} (4 digit terakhir) tidak boleh 0000."
    return [Issue(f"{prefix}_SERIAL", message)]


def _nik_day_month_year(nik: str) -> tuple[int, int, int]:
    """Birth day (women's offset removed), month and two-digit year, unvalidated."""
    day = int(nik[6:8])
    if day > FEMALE_DAY_OFFSET:
        day -= FEMALE_DAY_OFFSET
    return day, int(nik[8:10]), int(nik[10:12])


def _is_nik_day(raw_day: int) -> bool:
    return 1 <= raw_day <= 31 or 41 <= raw_day <= 71


def _date_issues(nik: str) -> list[Issue]:
    issues: list[Issue] = []
    if not _is_nik_day(int(nik[6:8])):
        issues.append(
            Issue(
                "NIK_DAY",
                "Tanggal lahir pada NIK (digit 7-8) harus 01-31, atau 41-71 untuk perempuan.",
            )
        )
    if not 1 <= int(nik[8:10]) <= 12:
        issues.append(Issue("NIK_MONTH", "Bulan lahir pada NIK (digit 9-10) harus 01-12."))
    return issues


def _day_exists(day: int, month: int, two_digit_year: int) -> bool:
    # The century is unknown; 20YY is a leap year whenever 19YY is (and 2000 is one), so
    # testing 20YY never rejects a date that exists in either century.
    return day <= calendar.monthrange(2000 + two_digit_year, month)[1]


def _soft_warnings(nik: str, birth_date: date | None, sex: Sex | None) -> list[Issue]:
    warnings: list[Issue] = []
    day, month, yy = _nik_day_month_year(nik)
    if not _day_exists(day, month, yy):
        warnings.append(
            Issue(
                "NIK_DATE_INVALID",
                "Tanggal lahir pada NIK tidak ada di kalender (misalnya 31 Februari).",
            )
        )
    # Compare the two-digit year only: the NIK cannot tell 1925 from 2025.
    if birth_date is not None and (day, month, yy) != (
        birth_date.day,
        birth_date.month,
        birth_date.year % 100,
    ):
        warnings.append(
            Issue(
                "NIK_BIRTHDATE_MISMATCH",
                "Tanggal lahir pada NIK tidak sama dengan tanggal lahir yang diisi.",
            )
        )
    if sex is not None and nik_sex(nik) != sex:
        warnings.append(
            Issue(
                "NIK_SEX_MISMATCH",
                "Jenis kelamin pada NIK tidak sama dengan jenis kelamin yang diisi.",
            )
        )
    return warnings


def check_nik(nik: str, *, birth_date: date | None = None, sex: Sex | None = None) -> IdentityCheck:
    """Validate a NIK. Hard rules give errors; birth date, sex and calendar give warnings."""
    if sex is not None and sex not in ("L", "P"):
        raise ValueError(f"sex must be 'L' or 'P', got {sex!r}")
    errors = _format_issues(nik, "NIK", "NIK")
    if errors:
        return IdentityCheck(errors=errors)
    date_errors = _date_issues(nik)
    region = _region_issues(nik[:6], "NIK", "NIK")
    # domain.md §2: a region missing from the current list is a warning (regions split and get
    # new codes, and a NIK keeps the code it was first registered under).
    unknown_province = [i for i in region if i.code == "NIK_PROVINCE"]
    region = [i for i in region if i.code != "NIK_PROVINCE"]
    errors = region + date_errors + _serial_issues(nik, "NIK", "NIK")
    # Soft checks need a readable day and month; without them they would only add noise.
    warnings = [] if date_errors else _soft_warnings(nik, birth_date, sex)
    return IdentityCheck(errors=errors, warnings=unknown_province + warnings)


def nik_sex(nik: str) -> Sex:
    """Sex encoded in a NIK. Raises ValueError if the NIK has no valid day field."""
    if not (_is_ascii_digits(nik) and len(nik) == 16 and _is_nik_day(int(nik[6:8]))):
        raise ValueError("not a NIK with a valid day field")
    return "P" if int(nik[6:8]) > FEMALE_DAY_OFFSET else "L"


def nik_birth_date(nik: str, *, today: date | None = None) -> date | None:
    """Birth date encoded in a NIK, or None if it has none (malformed or not a real date).

    The year has two digits; the latest century that does not put the date after `today`
    wins, so people aged 100 or more come out 100 years too young.
    """
    if not (_is_ascii_digits(nik) and len(nik) == 16) or _date_issues(nik):
        return None
    today = today or date.today()
    day, month, yy = _nik_day_month_year(nik)
    for century in (2000, 1900):
        try:
            candidate = date(century + yy, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    return None


def check_kk_number(kk: str) -> list[Issue]:
    """Validate a family card (KK) number: region code + recording date + serial.

    The 6-digit recording date (digits 7-12) is not checked: its format is unverified
    (domain.md marks it so) and rejecting a genuine family card on a guess would lock the
    family out of every service, so only the region and serial parts are checked.
    """
    errors = _format_issues(kk, "Nomor KK", "KK")
    if errors:
        return errors
    errors = _region_issues(kk[:6], "Nomor KK", "KK")
    if kk[4:6] == "00":
        errors.append(
            Issue("KK_KECAMATAN", "Kode kecamatan pada Nomor KK (digit 5-6) harus 01-99.")
        )
    return errors + _serial_issues(kk, "Nomor KK", "KK")


MAX_NAME_LENGTH = 60
_NAME_ALLOWED = re.compile(r"[A-Za-z ]*")


def check_person_name(name: str) -> list[Issue]:
    """Rules of Permendagri 73/2022 for names in new registrations.

    At least 2 words, at most 60 characters including spaces, Latin letters separated by
    single spaces, no abbreviations. Names registered before the regulation stay valid, so
    call this only for new registrations.
    """
    issues: list[Issue] = []
    words = name.split()
    if len(words) < 2:
        issues.append(Issue("NAME_WORDS", "Nama harus terdiri dari paling sedikit 2 kata."))
    if len(name) > MAX_NAME_LENGTH:
        issues.append(Issue("NAME_LENGTH", "Nama paling banyak 60 huruf, termasuk spasi."))
    if not _NAME_ALLOWED.fullmatch(name):
        issues.append(
            Issue(
                "NAME_CHARACTERS",
                "Nama hanya boleh berisi huruf latin (A-Z) dan spasi, tanpa angka atau tanda baca.",
            )
        )
    if name != " ".join(words):
        issues.append(
            Issue(
                "NAME_SPACES",
                "Nama tidak boleh diawali atau diakhiri spasi, atau memuat spasi ganda.",
            )
        )
    # A dot marks an abbreviation ("Muh.", "S.Kom"); a lone letter is an initial.
    if any("." in word or len(word) == 1 for word in words):
        issues.append(
            Issue("NAME_ABBREVIATION", "Nama tidak boleh disingkat; tulis setiap kata lengkap.")
        )
    return issues
