"""The IKM of PermenPAN-RB No. 14/2017 from ikm.yaml: the data's rules and a worked example."""

from __future__ import annotations

import copy
from decimal import Decimal
from fractions import Fraction

import pytest
import yaml

from services.intake.survey import ikm

RAW = yaml.safe_load(ikm.IKM_FILE.read_text(encoding="utf-8"))
SPEC = ikm.definition()

# Four synthetic respondents, one row each, scores for U1..U9.
ANSWERS = [
    (4, 4, 3, 4, 3, 4, 4, 3, 3),
    (3, 3, 3, 4, 3, 3, 4, 3, 2),
    (4, 3, 2, 4, 4, 3, 3, 3, 3),
    (3, 4, 3, 4, 3, 3, 4, 2, 3),
]


def sums_of(rows: list[tuple[int, ...]]) -> dict[str, int]:
    return {code: sum(row[i] for row in rows) for i, code in enumerate(SPEC.codes)}


def test_the_data_is_the_regulations_nine_equal_elements_and_four_bands() -> None:
    assert SPEC.codes == tuple(f"U{i}" for i in range(1, 10))
    assert [e.name for e in SPEC.elements] == [
        "Persyaratan", "Sistem, mekanisme, dan prosedur", "Waktu penyelesaian", "Biaya/tarif",
        "Produk spesifikasi jenis pelayanan", "Kompetensi pelaksana", "Perilaku pelaksana",
        "Penanganan pengaduan, saran dan masukan", "Sarana dan prasarana",
    ]
    assert {e.weight for e in SPEC.elements} == {Fraction(1, 9)}
    assert all(len(e.answers) == 4 for e in SPEC.elements)
    assert [(b.grade, b.label, str(b.min), str(b.max)) for b in SPEC.bands] == [
        ("D", "Tidak baik", "25.00", "64.99"), ("C", "Kurang baik", "65.00", "76.60"),
        ("B", "Baik", "76.61", "88.30"), ("A", "Sangat baik", "88.31", "100.00"),
    ]
    assert SPEC.conversion == 25 and list(SPEC.scores) == [1, 2, 3, 4]


def test_worked_example_by_hand() -> None:
    # Per element (NRR = sum / 4): U1 14/4 = 3.50, U2 3.50, U3 11/4 = 2.75, U4 16/4 = 4.00,
    # U5 13/4 = 3.25, U6 3.25, U7 15/4 = 3.75, U8 2.75, U9 2.75. Weighted with 1/9 each:
    # 29.50 / 9 = 3.2777..., x 25 = 81.9444... -> 81.94, inside 76.61-88.30: B, Baik.
    result = ikm.compute(SPEC, sums_of(ANSWERS), len(ANSWERS))
    assert result.responses == 4
    assert [str(result.averages[c]) for c in SPEC.codes] == [
        "3.50", "3.50", "2.75", "4.00", "3.25", "3.25", "3.75", "2.75", "2.75"]
    assert str(result.converted["U3"]) == "68.75" and str(result.converted["U4"]) == "100.00"
    assert result.ikm == Decimal("81.94")
    assert (result.band.grade, result.band.label) == ("B", "Baik")
    # The same as the total of all scores over responses x elements, x 25: 118 / 36 x 25.
    assert result.ikm == ikm._decimal(Fraction(118, 36) * 25)


def test_the_scale_ends_are_25_and_100() -> None:
    lowest = ikm.compute(SPEC, {c: 7 for c in SPEC.codes}, 7)
    highest = ikm.compute(SPEC, {c: 28 for c in SPEC.codes}, 7)
    assert (lowest.ikm, lowest.band.grade) == (Decimal("25.00"), "D")
    assert (highest.ikm, highest.band.grade) == (Decimal("100.00"), "A")
    assert ikm.compute(SPEC, {}, 0).ikm is None


@pytest.mark.parametrize(("value", "grade"), [
    ("25.00", "D"), ("64.99", "D"), ("65.00", "C"), ("76.60", "C"), ("76.61", "B"),
    ("88.30", "B"), ("88.31", "A"), ("100.00", "A"),
])
def test_band_edges(value: str, grade: str) -> None:
    assert SPEC.band_for(Decimal(value)).grade == grade


def test_rounding_is_half_up_before_the_band() -> None:
    assert ikm._decimal(Fraction(76605, 1000)) == Decimal("76.61")  # B, not C
    assert ikm._decimal(Fraction(64994, 1000)) == Decimal("64.99")


def _broken(change) -> str:
    raw = copy.deepcopy(RAW)
    change(raw)
    with pytest.raises(ikm.InvalidDefinition) as refused:
        ikm.parse(raw)
    return str(refused.value)


def test_weights_must_add_up_to_one() -> None:
    def heavier(raw: dict) -> None:
        raw["elements"][0]["weight"] = "2/9"
    assert "weights add up to 10/9" in _broken(heavier)

    def rounded(raw: dict) -> None:  # 0.11 x 9 = 0.99 would cap the index at 99
        for element in raw["elements"]:
            element["weight"] = 0.11
    assert "not 1" in _broken(rounded)


def test_every_element_needs_four_answers_and_a_unique_code() -> None:
    def three(raw: dict) -> None:
        raw["elements"][2]["answers"] = raw["elements"][2]["answers"][:3]
    assert "exactly 4 answer labels" in _broken(three)

    def twice(raw: dict) -> None:
        raw["elements"][1]["code"] = "U1"
    assert "codes must be unique" in _broken(twice)


def test_bands_must_cover_the_scale_without_gaps_or_overlaps() -> None:
    def gap(raw: dict) -> None:
        raw["bands"][1]["max"] = "76.50"
    assert "gap or overlap between C and B" in _broken(gap)

    def short(raw: dict) -> None:
        raw["bands"][-1]["max"] = "99.00"
    assert "must cover 25.00..100.00" in _broken(short)

    def three_decimals(raw: dict) -> None:
        raw["bands"][0]["max"] = "64.995"
    assert "two decimals" in _broken(three_decimals)


def test_the_questions_pair_each_score_with_its_label() -> None:
    first = SPEC.questions()[0]
    assert first["code"] == "U1" and first["question"].endswith("?")
    assert first["options"] == [
        {"score": 1, "label": "Tidak sesuai"}, {"score": 2, "label": "Kurang sesuai"},
        {"score": 3, "label": "Sesuai"}, {"score": 4, "label": "Sangat sesuai"}]


def test_the_csv_export_has_a_row_per_service_then_all() -> None:
    from gateway.routes.survey import ikm_csv

    figures = {"responses": 4, "ikm": 81.94, "grade": "B", "grade_label": "Baik",
               "elements": [{"code": c, "average": 3.5, "converted": 87.5} for c in SPEC.codes]}
    report = {"from": "2026-12-01", "to": "2026-12-31",
              "elements": [{"code": c} for c in SPEC.codes],
              "services": [{"service_code": "KK_PERUBAHAN",
                            "service_name": "Perubahan Kartu Keluarga", **figures}],
              "overall": {"responses": 0, "ikm": None, "grade": None, "grade_label": None,
                          "elements": []}}
    lines = ikm_csv(report).splitlines()
    assert lines[0].startswith("dari,sampai,kode_layanan,layanan,responden,U1,")
    assert lines[1].endswith(",81.94,B,Baik") and ",3.5,3.5," in lines[1]
    assert lines[2].startswith("2026-12-01,2026-12-31,SEMUA,Semua layanan,0,")


def test_survey_links_never_reach_a_log_line() -> None:
    from silasidakep.logs import redact

    token = "Zq3" * 14 + "x"
    line = redact(f'"GET /survei/{token} HTTP/1.1" 200; "POST /api/v1/survey/{token}" 201')
    assert token not in line and line.count("[redacted]") == 2


def test_the_invitation_link_stays_out_of_the_staff_message_list() -> None:
    from services.notification import dispatch, rendering

    for channel in rendering.CHANNELS:
        rendered = rendering.preview("survey_invitation", channel, "https://contoh.go.id")
        assert "/survei/contoh-token" in rendered.text  # the citizen gets the link
        assert "/survei/" not in dispatch._stored_subject("survey_invitation", rendered)
