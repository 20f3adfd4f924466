import csv
import dataclasses
import gzip
import json
from pathlib import Path

import pytest

from silasidakep import regions
from silasidakep.regions import Region, refresh

# Sumedang's kecamatan in code order (Kemendagri), shared/domain.md section 2.
SUMEDANG_KECAMATAN = [
    "Wado", "Jatinunggal", "Darmaraja", "Cibugel", "Cisitu", "Situraja", "Conggeang", "Paseh",
    "Surian", "Buahdua", "Tanjungsari", "Sukasari", "Pamulihan", "Cimanggung", "Jatinangor",
    "Rancakalong", "Sumedang Selatan", "Sumedang Utara", "Ganeas", "Tanjungkerta",
    "Tanjungmedar", "Cimalaka", "Cisarua", "Tomo", "Ujungjaya", "Jatigede",
]  # fmt: skip

BAD_FORMATS = [
    "", "3", "321", "3211", "321106", "32.1", "32.11.6", "32-11", "32/11", " 32", "32 ", "32\n",
    "32.11.", ".32", "32..11", "32.11.06.201", "32.11.06.20011", "32.11.06.2001.1", "3a",
    "\uff13\uff12",  # fullwidth "32"
    "\u0663\u0662",  # Arabic-Indic "32"
]  # fmt: skip


def synthetic_nik(region: str, ddmmyy: str = "120590", serial: str = "0001") -> str:
    """A made-up NIK: 6-digit region + birth date + serial (not a real person's)."""
    return region + ddmmyy + serial


# --- Sumedang and Jawa Barat ---------------------------------------------------------------


def test_sumedang_has_the_26_kecamatan_in_code_order() -> None:
    kecamatan = regions.children("32.11")
    assert [k.code for k in kecamatan] == [f"32.11.{n:02d}" for n in range(1, 27)]
    assert [k.name for k in kecamatan] == SUMEDANG_KECAMATAN
    assert {k.level for k in kecamatan} == {"district"}


def test_sumedang_has_277_desa_and_kelurahan() -> None:
    villages = [v for k in regions.children("32.11") for v in regions.children(k.code)]
    assert len(villages) == 277
    assert len({v.code for v in villages}) == 277
    assert all(v.code.startswith(v.parent_code + ".") for v in villages)


def test_sumedang_kelurahan_are_in_the_town_kecamatan() -> None:
    villages = [v for k in regions.children("32.11") for v in regions.children(k.code)]
    kelurahan = [v for v in villages if regions.is_kelurahan(v.code)]
    assert [v.parent_code for v in kelurahan] == ["32.11.17"] * 4 + ["32.11.18"] * 3
    assert regions.get("32.11.17.1002") == Region("32.11.17.1002", "Kota Kulon", "village")


def test_jawa_barat_is_32_and_sumedang_is_32_11() -> None:
    assert regions.get("32") == Region("32", "Jawa Barat", "province")
    assert regions.get("32.11") == Region("32.11", "Kabupaten Sumedang", "regency")
    jabar = regions.children("32")
    assert len(jabar) == 27  # 18 kabupaten + 9 kota
    assert [r.code for r in jabar] == sorted(r.code for r in jabar)
    assert sum(r.name.startswith("Kota ") for r in jabar) == 9


# --- provinces and the tree ---------------------------------------------------------------


def test_children_of_none_are_the_38_provinces_sorted() -> None:
    provinces = regions.children(None)
    assert len(provinces) == 38
    assert [p.code for p in provinces] == sorted(p.code for p in provinces)
    assert provinces[0] == Region("11", "Aceh", "province")
    assert {"93", "94", "95", "96"} <= {p.code for p in provinces}  # the 2022 Papua provinces
    assert all(p.level == "province" and p.parent_code is None for p in provinces)


def test_every_regency_sits_under_its_province() -> None:
    for province in regions.children(None):
        regencies = regions.children(province.code)
        assert regencies, province
        assert {r.parent_code for r in regencies} == {province.code}
        assert {r.level for r in regencies} == {"regency"}


def test_path_runs_from_province_to_the_region() -> None:
    chain = regions.path("32.11.06.2001")
    assert [r.code for r in chain] == ["32", "32.11", "32.11.06", "32.11.06.2001"]
    assert [r.level for r in chain] == ["province", "regency", "district", "village"]
    shown = ", ".join(r.name for r in reversed(chain))
    assert shown == "Situraja Utara, Situraja, Kabupaten Sumedang, Jawa Barat"
    assert regions.path("32") == [Region("32", "Jawa Barat", "province")]
    assert [r.code for r in regions.path("32.11.06")] == ["32", "32.11", "32.11.06"]


def test_parent_code() -> None:
    assert Region("32.11.06.2001", "x", "village").parent_code == "32.11.06"
    assert Region("32.11", "x", "regency").parent_code == "32"
    assert Region("32", "x", "province").parent_code is None


def test_region_is_immutable() -> None:
    region = regions.get("32")
    assert region is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        region.name = "Jabar"  # type: ignore[misc]


def test_names_with_commas_and_quotes_survive_the_csv() -> None:
    assert regions.get("12.07.28.1007").name == "Lubuk Pakam I,II"  # type: ignore[union-attr]
    assert regions.get("35.13.15.2017").name == 'Soka"an'  # type: ignore[union-attr]


def test_children_of_a_village_are_empty() -> None:
    assert regions.children("32.11.06.2001") == []


# --- unknown codes and bad formats --------------------------------------------------------


@pytest.mark.parametrize("code", ["99", "32.99", "32.11.27", "32.11.06.2099", "32.11.99.2001"])
def test_unknown_codes(code: str) -> None:
    assert regions.level_of(code) is not None  # well formed ...
    assert regions.get(code) is None  # ... but not in the list
    assert not regions.exists(code)
    assert regions.children(code) == []
    assert regions.path(code) == []


@pytest.mark.parametrize("code", BAD_FORMATS)
def test_bad_formats(code: str) -> None:
    assert regions.level_of(code) is None
    assert regions.get(code) is None
    assert not regions.exists(code)
    assert regions.children(code) == []
    assert regions.path(code) == []
    assert not regions.is_kelurahan(code)


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("32", "province"),
        ("32.11", "regency"),
        ("32.11.06", "district"),
        ("32.11.06.2001", "village"),
        ("00.00.00.0000", "village"),  # format only, no lookup
    ],
)
def test_level_of_reads_the_format_only(code: str, level: str) -> None:
    assert regions.level_of(code) == level


def test_exists() -> None:
    assert regions.exists("32.11.06.2001")
    assert regions.exists("32.11.26")
    assert not regions.exists("32.11.26.9999")


# --- NIK and kelurahan --------------------------------------------------------------------


def test_nik_of_a_sumedang_kecamatan_is_known() -> None:
    assert regions.nik_region_known(synthetic_nik("321106"))
    assert regions.nik_region_known(synthetic_nik("321106", ddmmyy="520590"))  # woman: day + 40
    assert regions.nik_region_known(synthetic_nik("321126", serial="0042"))


@pytest.mark.parametrize(
    "nik",
    [
        synthetic_nik("321127"),  # Sumedang has no kecamatan 27
        synthetic_nik("329901"),  # no regency 99 in Jawa Barat
        synthetic_nik("990101"),  # no province 99
        synthetic_nik("32110A"),
        "32.11.06" + "120590" + "0001",
        "X" + synthetic_nik("321106")[:15],  # the region must be the first 6 characters
        "3211",
        "",
    ],
)
def test_nik_of_an_unknown_or_malformed_region_is_not_known(nik: str) -> None:
    assert not regions.nik_region_known(nik)


def test_is_kelurahan() -> None:
    assert regions.is_kelurahan("32.11.17.1001")
    assert not regions.is_kelurahan("32.11.06.2001")
    assert not regions.is_kelurahan("91.03.01.3007")  # desa adat (Jayapura)
    assert not regions.is_kelurahan("32.11.17")  # a kecamatan, not a village


# --- vendored files and the refresh script ------------------------------------------------


def test_vendored_data_carries_the_odbl_attribution() -> None:
    notice = (regions.DATA_DIR / "LICENSE-DATA.md").read_text(encoding="utf-8")
    assert "idn-area-data" in notice
    assert "https://opendatacommons.org/licenses/odbl/1-0/" in notice
    for level in ("provinces", "regencies", "districts", "villages"):
        assert (regions.DATA_DIR / f"{level}.csv.gz").is_file()


def write_package(root: Path, *, villages: str, version: str = "9.9.9") -> Path:
    """A tiny fake idn-area-data package, codes without dots as older versions wrote them."""
    (root / "data").mkdir(parents=True)
    (root / "package.json").write_text(json.dumps({"name": "idn-area-data", "version": version}))
    files = {
        "provinces": "code,name\n32,Jawa Barat\n",
        "regencies": "code,province_code,name\n3211,32,Kabupaten Sumedang\n",
        "districts": "code,regency_code,name\n321106,3211,Situraja\n",
        "villages": villages,
    }
    for level, text in files.items():
        (root / "data" / f"{level}.csv").write_text(text, encoding="utf-8")
    return root


def read_gz(path: Path) -> list[list[str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_refresh_dots_the_codes_and_is_reproducible(tmp_path: Path) -> None:
    villages = 'code,district_code,name\n3211062002,321106,Situraja\n3211062001,321106,"A, ""B"""\n'
    package = write_package(tmp_path / "package", villages=villages)
    version, counts = refresh.refresh(package, tmp_path / "out")
    assert version == "9.9.9"
    assert counts == {"provinces": 1, "regencies": 1, "districts": 1, "villages": 2}
    assert read_gz(tmp_path / "out" / "regencies.csv.gz") == [
        ["code", "name"],
        ["32.11", "Kabupaten Sumedang"],
    ]
    assert read_gz(tmp_path / "out" / "villages.csv.gz") == [
        ["code", "name"],
        ["32.11.06.2001", 'A, "B"'],
        ["32.11.06.2002", "Situraja"],
    ]
    assert "9.9.9" in (tmp_path / "out" / "LICENSE-DATA.md").read_text(encoding="utf-8")
    first = (tmp_path / "out" / "villages.csv.gz").read_bytes()
    refresh.refresh(package, tmp_path / "out")
    assert (tmp_path / "out" / "villages.csv.gz").read_bytes() == first


@pytest.mark.parametrize(
    "villages",
    [
        "code,district_code,name\n3211072001,321107,Orphan\n",  # kecamatan 07 missing
        "code,district_code,name\n3211062001,321106,A\n3211062001,321106,B\n",  # duplicate
        "code,district_code,name\n321106201,321106,Short\n",  # 9 digits
        "code,district_code,name\n3211062001,321107,Wrong parent column\n",
    ],
)
def test_refresh_rejects_broken_data(tmp_path: Path, villages: str) -> None:
    package = write_package(tmp_path / "package", villages=villages)
    assert refresh.main([str(package), "--out", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out" / "villages.csv.gz").exists()


def test_dotted() -> None:
    assert refresh.dotted("3211062001", 10) == "32.11.06.2001"
    assert refresh.dotted("32.11.06", 6) == "32.11.06"
    for bad in ("32.11", "3.211.06", "32.11.06x"):
        with pytest.raises(refresh.RefreshError):
            refresh.dotted(bad, 6)
