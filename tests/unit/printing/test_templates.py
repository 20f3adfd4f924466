"""Document templates as data: loading, start-up checks, formatters and safety of values."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from services.intake.catalogue import card_outputs, load_catalogue
from services.printing import production
from services.printing.documents import formatters, places
from services.printing.documents.content import Prose
from services.printing.documents.template_loader import load_templates
from services.printing.documents.template_model import TEMPLATE_DIR, TemplateError

from .samples import ISSUED_AT, SNAPSHOTS
from .test_documents import pdf_text

OUTPUT_TYPES = {
    "KK",
    "KTP_EL",
    "KIA",
    "AKTA_LAHIR",
    "AKTA_MATI",
    "AKTA_KAWIN",
    "AKTA_CERAI",
    "SKPWNI",
    "BIODATA",
}


def _catalogue_form_fields() -> dict[str, dict[str, str]]:
    """Output document -> {form field: type}, over every service of intake's catalogue producing
    it. Printing never reads intake's files; this test checks the two agree."""
    fields: dict[str, dict[str, str]] = {}
    for service in load_catalogue().values():
        if service.output_document is None:
            continue  # a correction or reprint issues the original document's type
        output_fields = fields.setdefault(service.output_document, {})
        for spec in service.form_fields:
            output_fields[spec["name"]] = spec["type"]
    return fields


CATALOGUE_FIELDS = _catalogue_form_fields()


def test_shipped_templates_cover_every_output_document_of_the_catalogue() -> None:
    outputs = set(CATALOGUE_FIELDS)

    templates = load_templates(form_fields=CATALOGUE_FIELDS)  # every form path checked

    # SUKET: printing's own temporary certificate for a card waiting for blanko (Cekatan).
    assert set(templates) - {"SUKET"} == outputs == OUTPUT_TYPES
    # Outputs the catalogue prints on blanko cards have card templates; the rest are A4 sheets.
    cards = card_outputs()
    assert {k for k, t in templates.items() if t.layout == "card"} == cards
    assert {t.layout for k, t in templates.items() if k not in cards} == {"a4"}


def test_titles() -> None:
    titles = {k: t.title for k, t in load_templates().items()}

    assert titles["KK"] == "KARTU KELUARGA"
    assert titles["AKTA_LAHIR"] == "KUTIPAN AKTA KELAHIRAN"
    assert titles["SKPWNI"] == "SURAT KETERANGAN PINDAH WARGA NEGARA INDONESIA"
    assert titles["BIODATA"] == "BIODATA PENDUDUK WARGA NEGARA INDONESIA"


def test_issuance_loads_templates_at_import() -> None:
    assert set(production.TEMPLATES) == OUTPUT_TYPES | {"SUKET"}
    with pytest.raises(TypeError):
        production.TEMPLATES["KK"] = None  # type: ignore[index]  # read-only after start-up


@pytest.fixture
def template_dir(tmp_path: Path) -> Path:
    """A writable copy of the shipped templates, to break one of them."""
    directory = tmp_path / "templates"
    shutil.copytree(TEMPLATE_DIR, directory)
    return directory


def _edit(directory: Path, output: str, old: str, new: str) -> None:
    path = directory / f"{output}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("output", "old", "new", "message"),
    [
        ("AKTA_MATI", "format: sex}", "format: gender}", "unknown formatter 'gender'"),
        ("AKTA_LAHIR", "{form.child_name|upper}", "{form.child_name|shout}", "unknown formatter"),
        ("AKTA_MATI", "value: form.deceased_nik}", "value: form.deceased_nkk}", "'deceased_nkk'"),
        ("BIODATA", "value: applicant.kk_number}", "value: applicant.kk}", "applicant has no 'kk'"),
        ("BIODATA", "value: form.subject_nik}", "value: citizen.nik}", "must start with one of"),
        ("KIA", "value: form.child_nik,", "value: form.child_nik.digits,", "must look like"),
        # A field of another document: the KIA form has no death date.
        ("KIA", "value: form.child_nik,", "value: form.death_date,", "no service producing KIA"),
        ("AKTA_CERAI", "{form.court_name}", "{form.x}", "no service"),
        ("AKTA_MATI", "format: sex}", "format: date}", "'date' needs a field of type date"),
        ("KK", "format: desa|upper}", "format: sex}", "needs a field of type enum, not region"),
        ("AKTA_LAHIR", "{form.birth_date|date_words}", "{form.birth_date|date_words", "unbalanced"),
        ("AKTA_LAHIR", "bernama <b>", "bernama <b><i>", "invalid paragraph markup"),
        ("SKPWNI", "rows: form.movers", "rows: form.move_reason", "must be a list field"),
        ("SKPWNI", "value: relationship,", "value: hubungan,", "have no 'hubungan'"),
        ("KK", "layout: a4", "layout: poster", "layout must be one of"),
        ("KK", "orientation: landscape", "orientation: sideways", "orientation must be one of"),
        ("KK", "title: KARTU KELUARGA", "titel: KARTU KELUARGA", "unknown key(s) titel"),
        ("BIODATA", "- {label: Data Lama,", "- {lable: Data Lama,", "unknown key(s) lable"),
        ("KTP_EL", "text: WNI}", "text: WNI, value: form.sex}", "either value"),
        ("KTP_EL", "strong: true}", "strong: yes please}", "strong must be true or false"),
        ("KIA", "max_lines: 2}", "max_lines: 9}", "max_lines must be"),
        ("AKTA_LAHIR", "when: form.father_name", "when: form.father", "no service"),
        ("BIODATA", "{label: Data Lama, value: form.old_value}", "{label: Data Lama}", "either"),
        ("KK", "value: form.address, format: upper}", "text: '{form.members}'}", "use a table"),
    ],
)
def test_invalid_templates_fail_at_load(
    template_dir: Path, output: str, old: str, new: str, message: str | None
) -> None:
    _edit(template_dir, output, old, new)

    with pytest.raises(TemplateError) as failure:
        load_templates(template_dir, CATALOGUE_FIELDS)

    assert f"{output}.yaml" in str(failure.value)
    assert message in str(failure.value)


def test_a_missing_template_fails_at_load(template_dir: Path) -> None:
    (template_dir / "KIA.yaml").unlink()

    with pytest.raises(TemplateError, match=r"no template for output document KIA"):
        load_templates(template_dir, CATALOGUE_FIELDS)


def test_all_problems_are_reported_together(template_dir: Path) -> None:
    _edit(template_dir, "KK", "format: sex}", "format: gender}")
    _edit(template_dir, "BIODATA", "value: form.subject_nik}", "value: form.nik}")

    with pytest.raises(TemplateError) as failure:
        load_templates(template_dir, CATALOGUE_FIELDS)

    assert "KK.yaml" in str(failure.value) and "BIODATA.yaml" in str(failure.value)


def test_form_paths_are_unchecked_without_form_fields(template_dir: Path) -> None:
    _edit(template_dir, "BIODATA", "value: form.subject_nik}", "value: form.nik}")

    assert "BIODATA" in load_templates(template_dir)


def test_an_extra_template_for_a_future_document_type_loads(template_dir: Path) -> None:
    (template_dir / "SURAT_KETERANGAN.yaml").write_text(
        "title: SURAT KETERANGAN\nbody:\n  - paragraph: Nama {applicant.name|upper}\n",
        encoding="utf-8",
    )

    assert load_templates(template_dir, CATALOGUE_FIELDS)["SURAT_KETERANGAN"].layout == "a4"


# --- safety: values are text, never markup ------------------------------------------------------

INJECTED = '<font size="40" color="red">PALSU</font> & <b>'


def test_form_values_cannot_inject_markup_into_paragraphs(issuer: production.Issuer) -> None:
    snapshot = SNAPSHOTS["AKTA_KAWIN"]()
    snapshot["form"]["marriage_place"] = INJECTED

    number = "3211-AKTA_KAWIN-2026-000001"
    content = production.document_content(issuer, number, snapshot, ISSUED_AT)
    pdf = production.render_content(content)

    prose = [s.markup for s in content.body if isinstance(s, Prose)]
    assert "&lt;font size=" in prose[0] and "<font" not in prose[0]
    assert INJECTED in pdf_text(pdf)  # printed literally


@pytest.mark.parametrize("output", ["KK", "KTP_EL", "SKPWNI"])
def test_form_values_cannot_inject_markup_into_rows_and_tables(
    issuer: production.Issuer, output: str
) -> None:
    snapshot = SNAPSHOTS[output]()
    form = snapshot["form"]
    form["address" if output != "SKPWNI" else "destination_address"] = INJECTED
    if output == "SKPWNI":
        form["movers"][0]["name"] = INJECTED

    pdf = production.render(issuer, f"3211-{output}-2026-000001", snapshot)

    assert INJECTED.upper()[:20] in pdf_text(pdf)


# --- formatters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "names", "expected"),
    [
        ("L", ("sex",), "Laki-laki"),
        ("P", ("sex", "upper"), "PEREMPUAN"),
        ("RUMAH_SAKIT", ("enum",), "RUMAH SAKIT"),
        ("KEPALA_DAN_SELURUH_ANGGOTA", ("enum", "title"), "Kepala dan Seluruh Anggota"),
        ("2026-11-28", ("date",), "28 November 2026"),
        ("2026-01-05", ("date_short",), "05-01-2026"),
        ("2026-11-28", ("date_words",), "dua puluh delapan November dua ribu dua puluh enam"),
        ("2001-08-17", ("date_words",), "tujuh belas Agustus dua ribu satu"),
        ("08:05:00", ("time",), "08.05"),
        (1, ("ordinal",), "kesatu"),
        (11, ("ordinal",), "kesebelas"),
        (3, ("number_words",), "tiga"),
        ("2010-02-28", ("kia_valid_until", "date_short"), "28-02-2027"),
        ("2012-02-29", ("kia_valid_until",), "1 Maret 2029"),  # no 29 February in 2029
        ("Siti Aminah", ("upper",), "SITI AMINAH"),
        (dt.date(2026, 8, 17), ("date",), "17 Agustus 2026"),
    ],
)
def test_formatters(value: object, names: tuple[str, ...], expected: str) -> None:
    assert formatters.apply(value, names) == expected


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "nol"),
        (10, "sepuluh"),
        (11, "sebelas"),
        (19, "sembilan belas"),
        (100, "seratus"),
        (1000, "seribu"),
        (1945, "seribu sembilan ratus empat puluh lima"),
        (2026, "dua ribu dua puluh enam"),
        (250_000, "dua ratus lima puluh ribu"),
    ],
)
def test_terbilang(number: int, words: str) -> None:
    assert formatters.terbilang(number) == words


def test_formatter_names_and_input_types_agree() -> None:
    assert set(formatters.INPUT_TYPES) <= set(formatters.FORMATTERS)


# --- region names ----------------------------------------------------------------------------


class FakeRegions:
    """The region-list API (get, path) over a few entries, as the list spells them."""

    REGIONS = {
        "32": ("province", "JAWA BARAT"),
        "32.11": ("regency", "KABUPATEN SUMEDANG"),
        "32.11.06": ("district", "SITURAJA"),
        "32.11.06.2001": ("village", "SITURAJA UTARA"),
        "32.11.06.1001": ("village", "SITURAJA"),
        "32.73": ("regency", "KOTA BANDUNG"),
    }

    class Region:
        def __init__(self, code: str, level: str, name: str) -> None:
            self.code, self.level, self.name = code, level, name

    def get(self, code: str):
        found = self.REGIONS.get(code)
        return self.Region(code, *found) if found else None

    def path(self, code: str) -> list:
        parts = code.split(".")
        found = [self.get(".".join(parts[: i + 1])) for i in range(len(parts))]
        return [r for r in found if r is not None]


@pytest.fixture
def fake_regions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(places, "region_module", FakeRegions)


@pytest.mark.usefixtures("fake_regions")
@pytest.mark.parametrize(
    ("code", "names", "expected"),
    [
        (
            "32.11.06.2001",
            ("region",),
            "Desa Situraja Utara, Kecamatan Situraja, Kabupaten Sumedang, Provinsi Jawa Barat",
        ),
        ("32.11.06.1001", ("region",), "Kelurahan Situraja, Kecamatan Situraja, Kabupaten"),
        ("32.11.06", ("region",), "Kecamatan Situraja, Kabupaten Sumedang, Provinsi Jawa Barat"),
        ("32.11.06.2001", ("desa", "upper"), "SITURAJA UTARA"),
        ("32.11.06.2001", ("kecamatan",), "Situraja"),
        ("32.11.06.2001", ("kabupaten",), "Sumedang"),
        ("32.11.06.2001", ("kabupaten_kota",), "Kabupaten Sumedang"),
        ("32.73", ("kabupaten_kota",), "Kota Bandung"),
        ("32.11.06.2001", ("provinsi",), "Jawa Barat"),
        # Codes missing from the list print as the code (the known parents still resolve).
        ("32.11.06.2999", ("region",), "32.11.06.2999"),
        ("32.11.06.2999", ("desa",), "32.11.06.2999"),
        ("32.11.06.2999", ("kecamatan",), "Situraja"),
        ("99.01", ("region",), "99.01"),
        ("bukan kode", ("region",), "bukan kode"),
    ],
)
def test_region_formatters(code: str, names: tuple[str, ...], expected: str) -> None:
    assert formatters.apply(code, names).startswith(expected)


def test_region_codes_print_as_codes_without_a_region_list(
    monkeypatch: pytest.MonkeyPatch, issuer: production.Issuer
) -> None:
    monkeypatch.setattr(places, "region_module", lambda: None)
    snapshot = SNAPSHOTS["KK"]()

    text = pdf_text(production.render(issuer, "3211-KK-2026-000001", snapshot))

    assert formatters.apply("32.11.06.2001", ("region",)) == "32.11.06.2001"
    assert snapshot["form"]["desa_code"] in text


def test_title_case_keeps_acronyms_and_lowers_small_words() -> None:
    assert places.title_case("DKI JAKARTA") == "DKI Jakarta"
    assert places.title_case("KEPALA DAN SELURUH ANGGOTA") == "Kepala dan Seluruh Anggota"
    assert places.title_case("DI ATAS") == "Di Atas"
