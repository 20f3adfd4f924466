"""Identity rules (NIK, KK, names), the synthetic identity generator and masking."""

import random
import re
import string
from datetime import date

import pytest

from services.intake.domain.identity import (
    PROVINCE_CODES,
    check_kk_number,
    check_nik,
    check_person_name,
    nik_birth_date,
    nik_sex,
)
from silasidakep.masking import mask_email, mask_kk_number, mask_nik, mask_phone
from tests.support.identities import make_kk_number, make_nik, make_people, make_person

# 32.11.06, born 5 Dec 1990, serial 0001; women have day + 40.
MALE_NIK = "3211060512900001"
FEMALE_NIK = "3211064512900001"
BIRTH_DATE = date(1990, 12, 5)
VALID_KK = "3211061503170001"


def codes(issues) -> set[str]:
    return {issue.code for issue in issues}


def with_part(nik: str, start: int, value: str) -> str:
    return nik[:start] + value + nik[start + len(value) :]


# --- NIK hard rules -------------------------------------------------------------------------


@pytest.mark.parametrize("nik", [MALE_NIK, FEMALE_NIK])
def test_valid_nik_has_no_issues(nik: str) -> None:
    result = check_nik(nik)
    assert result.errors == [] and result.warnings == []
    assert result.ok


@pytest.mark.parametrize(
    ("nik", "expected"),
    [
        ("", {"NIK_LENGTH"}),
        (MALE_NIK[:-1], {"NIK_LENGTH"}),
        (MALE_NIK + "1", {"NIK_LENGTH"}),
        (with_part(MALE_NIK, 14, "a1"), {"NIK_NOT_DIGITS"}),
        (MALE_NIK[:12] + " 001", {"NIK_NOT_DIGITS"}),
        # Arabic-Indic digits satisfy str.isdigit() but are not a NIK.
        ("\u0663" * 16, {"NIK_NOT_DIGITS"}),
        ("3211 0605 1290", {"NIK_NOT_DIGITS", "NIK_LENGTH"}),
    ],
)
def test_nik_format_errors_stop_further_checks(nik: str, expected: set[str]) -> None:
    result = check_nik(nik, birth_date=BIRTH_DATE, sex="L")
    assert codes(result.errors) == expected
    assert result.warnings == []


@pytest.mark.parametrize("province", ["00", "10", "20", "37", "54", "97", "99"])
def test_unknown_province_is_only_a_warning(province: str) -> None:
    result = check_nik(with_part(MALE_NIK, 0, province))
    assert result.errors == []
    assert codes(result.warnings) == {"NIK_PROVINCE"}


def test_province_list_has_the_38_current_provinces() -> None:
    assert len(PROVINCE_CODES) == 38
    for province in PROVINCE_CODES:
        assert check_nik(with_part(MALE_NIK, 0, province)).errors == []


@pytest.mark.parametrize("regency", ["00", "70"])
def test_invalid_regency_is_rejected(regency: str) -> None:
    assert codes(check_nik(with_part(MALE_NIK, 2, regency)).errors) == {"NIK_REGENCY"}


@pytest.mark.parametrize("regency", ["01", "69", "71", "99"])
def test_regency_and_city_bounds_are_accepted(regency: str) -> None:
    assert check_nik(with_part(MALE_NIK, 2, regency)).errors == []


@pytest.mark.parametrize("day", ["00", "32", "40", "72", "99"])
def test_invalid_day_is_rejected(day: str) -> None:
    assert codes(check_nik(with_part(MALE_NIK, 6, day)).errors) == {"NIK_DAY"}


@pytest.mark.parametrize("day", ["01", "31", "41", "71"])
def test_day_bounds_for_men_and_women_are_accepted(day: str) -> None:
    # December has 31 days, so no calendar warning either.
    result = check_nik(with_part(MALE_NIK, 6, day))
    assert result.errors == [] and result.warnings == []


@pytest.mark.parametrize("month", ["00", "13", "99"])
def test_invalid_month_is_rejected(month: str) -> None:
    assert codes(check_nik(with_part(MALE_NIK, 8, month)).errors) == {"NIK_MONTH"}


def test_zero_serial_is_rejected() -> None:
    assert codes(check_nik(with_part(MALE_NIK, 12, "0000")).errors) == {"NIK_SERIAL"}


def test_several_hard_errors_are_all_reported() -> None:
    nik = "1000003213000000"
    assert codes(check_nik(nik).errors) == {
        "NIK_REGENCY",
        "NIK_DAY",
        "NIK_MONTH",
        "NIK_SERIAL",
    }


def test_every_issue_has_a_message() -> None:
    result = check_nik("1000003213000000")
    assert all(issue.message for issue in result.errors)


# --- NIK soft rules: warnings only --------------------------------------------------------


def test_birth_date_mismatch_only_warns() -> None:
    result = check_nik(MALE_NIK, birth_date=date(1990, 12, 6), sex="L")
    assert result.errors == []
    assert codes(result.warnings) == {"NIK_BIRTHDATE_MISMATCH"}


def test_sex_mismatch_only_warns() -> None:
    result = check_nik(MALE_NIK, birth_date=BIRTH_DATE, sex="P")
    assert result.errors == []
    assert codes(result.warnings) == {"NIK_SEX_MISMATCH"}


def test_female_nik_matches_declared_female_birth_date() -> None:
    assert check_nik(FEMALE_NIK, birth_date=BIRTH_DATE, sex="P").warnings == []
    assert codes(check_nik(FEMALE_NIK, birth_date=BIRTH_DATE, sex="L").warnings) == {
        "NIK_SEX_MISMATCH"
    }


def test_birth_date_compares_two_digit_year_only() -> None:
    # 1925 and 2025 share "25"; the NIK cannot tell them apart, so neither is a mismatch.
    nik = "3211060512250001"
    for year in (1925, 2025):
        assert check_nik(nik, birth_date=date(year, 12, 5)).warnings == []


@pytest.mark.parametrize(
    "dob",
    ["310290", "300290", "290290", "310490", "710290"],  # 31/30/29 Feb 1990, 31 Apr, women
)
def test_impossible_calendar_date_only_warns(dob: str) -> None:
    result = check_nik(with_part(MALE_NIK, 6, dob))
    assert result.errors == []
    assert codes(result.warnings) == {"NIK_DATE_INVALID"}


@pytest.mark.parametrize("dob", ["290200", "290296", "690296", "280290"])
def test_leap_days_are_real_dates(dob: str) -> None:
    assert check_nik(with_part(MALE_NIK, 6, dob)).warnings == []


def test_no_soft_warnings_when_the_date_field_is_broken() -> None:
    result = check_nik(with_part(MALE_NIK, 6, "35"), birth_date=date(2000, 1, 1), sex="P")
    assert codes(result.errors) == {"NIK_DAY"}
    assert result.warnings == []


def test_invalid_sex_argument_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        check_nik(MALE_NIK, sex="X")  # type: ignore[arg-type]


# --- helpers ------------------------------------------------------------------------------


def test_nik_sex() -> None:
    assert nik_sex(MALE_NIK) == "L"
    assert nik_sex(FEMALE_NIK) == "P"
    for broken in ("", "abc", with_part(MALE_NIK, 6, "35")):
        with pytest.raises(ValueError):
            nik_sex(broken)


def test_nik_birth_date_removes_female_offset() -> None:
    assert nik_birth_date(FEMALE_NIK) == BIRTH_DATE
    assert nik_birth_date(MALE_NIK) == BIRTH_DATE


@pytest.mark.parametrize(
    ("dob", "expected"),
    [
        ("010426", date(2026, 4, 1)),  # not in the future: this century
        ("010526", date(2026, 5, 1)),  # today itself
        ("020526", date(1926, 5, 2)),  # tomorrow in 2026, so 1926
        ("010130", date(1930, 1, 1)),
        ("290200", date(2000, 2, 29)),
    ],
)
def test_nik_birth_date_never_lies_in_the_future(dob: str, expected: date) -> None:
    assert nik_birth_date(with_part(MALE_NIK, 6, dob), today=date(2026, 5, 1)) == expected


@pytest.mark.parametrize("nik", ["", "32110631029", with_part(MALE_NIK, 6, "310290")])
def test_nik_birth_date_is_none_without_a_real_date(nik: str) -> None:
    assert nik_birth_date(nik) is None


# --- KK number ----------------------------------------------------------------------------


def test_valid_kk_number() -> None:
    assert check_kk_number(VALID_KK) == []


@pytest.mark.parametrize(
    ("kk", "expected"),
    [
        (VALID_KK[:-1], {"KK_LENGTH"}),
        (with_part(VALID_KK, 10, "x7"), {"KK_NOT_DIGITS"}),
        (with_part(VALID_KK, 0, "99"), {"KK_PROVINCE"}),
        (with_part(VALID_KK, 2, "00"), {"KK_REGENCY"}),
        (with_part(VALID_KK, 2, "70"), {"KK_REGENCY"}),
        (with_part(VALID_KK, 4, "00"), {"KK_KECAMATAN"}),
        (with_part(VALID_KK, 12, "0000"), {"KK_SERIAL"}),
    ],
)
def test_kk_hard_rules(kk: str, expected: set[str]) -> None:
    assert codes(check_kk_number(kk)) == expected


@pytest.mark.parametrize("date_part", ["000000", "999999", "311399"])
def test_kk_date_part_is_not_checked(date_part: str) -> None:
    # The format of the recording date is unverified, so it must never reject a card.
    assert check_kk_number(with_part(VALID_KK, 6, date_part)) == []


# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Budi Santoso", "Siti Nurhaliza Binti Abdullah", "Ni Putu Ayu", "a" * 29 + " " + "b" * 30],
)
def test_valid_names(name: str) -> None:
    assert check_person_name(name) == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("", {"NAME_WORDS"}),
        ("Budi", {"NAME_WORDS"}),
        ("a" * 30 + " " + "b" * 30, {"NAME_LENGTH"}),
        ("Budi Santoso2", {"NAME_CHARACTERS"}),
        ("Budi O'Neil", {"NAME_CHARACTERS"}),
        ("Budi Santoso-Putra", {"NAME_CHARACTERS"}),
        ("Rénata Putri", {"NAME_CHARACTERS"}),
        ("Budi Santoso, S.Kom", {"NAME_CHARACTERS", "NAME_ABBREVIATION"}),
        ("Muh. Rahman", {"NAME_CHARACTERS", "NAME_ABBREVIATION"}),
        ("Budi S", {"NAME_ABBREVIATION"}),
        ("Budi  Santoso", {"NAME_SPACES"}),
        (" Budi Santoso", {"NAME_SPACES"}),
        ("Budi\tSantoso", {"NAME_CHARACTERS", "NAME_SPACES"}),
    ],
)
def test_invalid_names(name: str, expected: set[str]) -> None:
    issues = check_person_name(name)
    assert codes(issues) == expected
    assert all(issue.message for issue in issues)


# --- generator ----------------------------------------------------------------------------

PEOPLE = make_people(500, seed=20200330)


def test_generated_people_pass_every_identity_check() -> None:
    for person in PEOPLE:
        result = check_nik(person.nik, birth_date=person.birth_date, sex=person.sex)
        assert result.errors == [] and result.warnings == [], person
        assert check_person_name(person.name) == [], person
        assert check_kk_number(person.kk_number) == [], person
        assert nik_birth_date(person.nik) == person.birth_date
        assert nik_sex(person.nik) == person.sex


def test_generated_contact_data_is_synthetic_and_well_formed() -> None:
    for person in PEOPLE:
        assert person.email.rsplit("@", 1)[1] in {"example.org", "example.com"}
        assert re.fullmatch(r"08\d{10}", person.phone)
        assert person.kecamatan_code == "32.11.06"
        assert person.nik.startswith("321106") and person.kk_number.startswith("321106")
    assert {person.sex for person in PEOPLE} == {"L", "P"}


def test_generator_is_reproducible() -> None:
    assert make_people(5, seed=7) == make_people(5, seed=7)
    assert make_person(seed=7) == make_person(seed=7)
    assert make_person(seed=7) != make_person(seed=8)


def test_make_nik_encodes_its_inputs() -> None:
    assert make_nik(birth_date=BIRTH_DATE, sex="P", region="32.11.06", serial=1) == FEMALE_NIK
    assert make_nik(birth_date=BIRTH_DATE, sex="L", serial=1) == MALE_NIK
    with pytest.raises(ValueError):
        make_nik(birth_date=BIRTH_DATE, sex="L", serial=0)
    with pytest.raises(ValueError):
        make_nik(birth_date=BIRTH_DATE, sex="L", region="3211")


def test_make_kk_number_layout() -> None:
    kk = make_kk_number("321106", date(2017, 3, 15), 1)
    assert kk == VALID_KK
    assert check_kk_number(make_kk_number(rng=random.Random(1))) == []


# --- masking ------------------------------------------------------------------------------


def test_mask_nik_keeps_first_four_and_last_two() -> None:
    assert mask_nik(FEMALE_NIK) == "3211**********01"
    assert mask_nik("3211 0645 1290 0001") == "3211**********01"
    assert mask_kk_number(VALID_KK) == "3211**********01"


@pytest.mark.parametrize("value", ["", "12345", "321106451290000", "32110645129000011", "NIK"])
def test_mask_nik_hides_everything_in_malformed_input(value: str) -> None:
    assert set(mask_nik(value)) <= {"*"}


def test_mask_nik_never_reveals_more_than_six_digits() -> None:
    rng = random.Random(5)
    alphabet = string.digits * 3 + " -.ab"
    values = [p.nik for p in PEOPLE] + [p.kk_number for p in PEOPLE]
    values += ["".join(rng.choices(alphabet, k=rng.randint(0, 24))) for _ in range(2000)]
    for value in values:
        masked = mask_nik(value)
        shown = re.sub(r"\D", "", masked)
        assert len(shown) <= 6, (value, masked)
        if shown:
            digits = re.sub(r"\D", "", value)
            assert masked[:4] == digits[:4] and masked[-2:] == digits[-2:]


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("budi.santoso@example.org", "bu***@example.org"),
        ("bu@example.org", "b***@example.org"),
        ("b@example.org", "***@example.org"),
        ("not-an-email", "***"),
        ("@example.org", "***"),
    ],
)
def test_mask_email(email: str, expected: str) -> None:
    assert mask_email(email) == expected


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("081234567890", "0812****7890"),
        ("0812-3456-7890", "0812****7890"),
        ("+62 812 3456 7890", "+6281*****7890"),
        ("0812345678", "08****5678"),
        ("1234567", "*******"),
        ("08abc", "*****"),
    ],
)
def test_mask_phone(phone: str, expected: str) -> None:
    assert mask_phone(phone) == expected


def test_mask_phone_shows_at_most_eight_digits_and_hides_at_least_four() -> None:
    rng = random.Random(9)
    numbers = [p.phone for p in PEOPLE]
    numbers += ["".join(rng.choices(string.digits, k=rng.randint(0, 16))) for _ in range(1000)]
    for number in numbers:
        masked = mask_phone(number)
        shown = re.sub(r"\D", "", masked)
        if len(number) < 8:
            assert shown == "", number
        else:
            assert len(shown) <= 8 and masked.count("*") >= 4, number
