"""Synthetic identities for fixtures: NIK, KK number and whole persons.

Everything here is made up. Faker (`id_ID`) supplies names and places; it has no NIK/KK
generator, so those are built from region code + birth date (+40 for women) + serial as
described in shared/domain.md section 2. Emails use the reserved example.org/.com domains.
"""

import random
from dataclasses import dataclass
from datetime import date

from faker import Faker

from services.intake.domain.identity import FEMALE_DAY_OFFSET, Sex, check_person_name

DEFAULT_REGION = "321106"  # Kemendagri 32.11.06, a kecamatan in Sumedang
EMAIL_DOMAINS = ("example.org", "example.com")
# Real Indonesian mobile prefixes, so fixtures look like what citizens type.
MOBILE_PREFIXES = ("0812", "0813", "0821", "0852", "0857", "0878", "0896", "0881")
# Ages up to 90 keep the two-digit NIK year unambiguous (see nik_birth_date).
MAX_AGE = 90

# Faker id_ID decorates names with honorifics; the dotted ones are dropped anyway, these
# have no dot but are titles, not names.
_TITLE_WORDS = frozenset({"Sutan", "Puti", "Cut", "KH", "Hj", "Tgk", "Dt"})
_MAX_NAME_ATTEMPTS = 100


@dataclass(frozen=True)
class Person:
    nik: str
    name: str
    sex: Sex
    birth_date: date
    birth_place: str
    email: str
    phone: str
    kk_number: str
    kecamatan_code: str


def _region_digits(region: str) -> str:
    digits = region.replace(".", "")
    if len(digits) != 6 or not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"region must be a 6-digit kecamatan code, got {region!r}")
    return digits


def _serial(serial: int | None, rng: random.Random | None) -> str:
    if serial is None:
        serial = (rng or random.Random()).randint(1, 9999)
    if not 1 <= serial <= 9999:
        raise ValueError(f"serial must be 1-9999, got {serial}")
    return f"{serial:04d}"


# Every NIK this test process made: tests/zz_privacy looks for each in every log line written.
USED_NIKS: set[str] = set()


def make_nik(
    *,
    birth_date: date,
    sex: Sex,
    region: str = DEFAULT_REGION,
    serial: int | None = None,
    rng: random.Random | None = None,
) -> str:
    """Build a NIK: region + DDMMYY (day + 40 for women) + serial (random if not given)."""
    if sex not in ("L", "P"):
        raise ValueError(f"sex must be 'L' or 'P', got {sex!r}")
    day = birth_date.day + (FEMALE_DAY_OFFSET if sex == "P" else 0)
    dob = f"{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}"
    nik = _region_digits(region) + dob + _serial(serial, rng)
    USED_NIKS.add(nik)
    return nik


def make_kk_number(
    region: str = DEFAULT_REGION,
    recorded_on: date | None = None,
    serial: int | None = None,
    *,
    rng: random.Random | None = None,
) -> str:
    """Build a KK number: region + recording date as DDMMYY + serial.

    The DDMMYY layout of the date part is unverified; check_kk_number does not rely on it.
    """
    recorded_on = recorded_on or date.today()
    return _region_digits(region) + recorded_on.strftime("%d%m%y") + _serial(serial, rng)


def _clean_name(raw: str) -> str:
    # Degrees follow a comma ("Ana Halimah, S.Gz"); titles are dotted or listed words.
    words = raw.split(",")[0].split()
    return " ".join(w for w in words if "." not in w and w not in _TITLE_WORDS)


def _make_name(faker: Faker, sex: Sex) -> str:
    for _ in range(_MAX_NAME_ATTEMPTS):
        name = _clean_name(faker.name_male() if sex == "L" else faker.name_female())
        if not check_person_name(name):
            return name
    raise RuntimeError("Faker produced no valid name; check the locale")


def _make_email(faker: Faker, name: str) -> str:
    local = ".".join(name.lower().split()[:2]) + str(faker.random.randint(1, 999))
    return f"{local}@{faker.random.choice(EMAIL_DOMAINS)}"


def _make_phone(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"


def make_person(
    seed: int | None = None,
    *,
    faker: Faker | None = None,
    region: str = DEFAULT_REGION,
) -> Person:
    """A consistent synthetic person whose NIK passes check_nik without warnings.

    Pass `seed` for a single reproducible person, or a seeded `faker` to draw a
    reproducible sequence of different people from it.
    """
    if faker is None:
        faker = Faker("id_ID")
        faker.seed_instance(seed)
    rng = faker.random
    sex: Sex = rng.choice(("L", "P"))
    birth_date = faker.date_of_birth(minimum_age=0, maximum_age=MAX_AGE)
    name = _make_name(faker, sex)
    digits = _region_digits(region)
    return Person(
        nik=make_nik(birth_date=birth_date, sex=sex, region=digits, rng=rng),
        name=name,
        sex=sex,
        birth_date=birth_date,
        birth_place=faker.city(),
        email=_make_email(faker, name),
        phone=_make_phone(rng),
        kk_number=make_kk_number(
            digits, faker.date_between(start_date="-10y", end_date="today"), rng=rng
        ),
        kecamatan_code=f"{digits[:2]}.{digits[2:4]}.{digits[4:]}",
    )


def make_people(count: int, *, seed: int = 0, region: str = DEFAULT_REGION) -> list[Person]:
    """`count` reproducible people drawn from one seeded Faker."""
    faker = Faker("id_ID")
    faker.seed_instance(seed)
    return [make_person(faker=faker, region=region) for _ in range(count)]
