"""Rebuild the vendored region-code files from an unpacked `idn-area-data` npm package.

Usage (see data/README.md)::

    cd /tmp && npm pack idn-area-data@VERSION && tar xzf idn-area-data-VERSION.tgz
    python -m silasidakep.regions.refresh /tmp/package

Reads `data/{provinces,regencies,districts,villages}.csv` of the package, normalises every code
to the dotted Kemendagri form (`32`, `32.11`, `32.11.06`, `32.11.06.2001`; older package versions
wrote codes without dots), checks that codes are unique and that every parent exists, and writes
`code,name` rows sorted by code to `data/<level>.csv.gz` next to this file. Names are kept as in
the source. The gzip output is byte-for-byte reproducible (no timestamp, no file name), and
`data/LICENSE-DATA.md` is rewritten with the package version.
"""

import argparse
import csv
import gzip
import io
import json
import re
import sys
from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")

# Level file name -> (number of digits in the undotted code, source column naming the parent).
LEVELS: dict[str, tuple[int, str | None]] = {
    "provinces": (2, None),
    "regencies": (4, "province_code"),
    "districts": (6, "regency_code"),
    "villages": (10, "district_code"),
}

# Where the dots go in an undotted code: PP KK CC DDDD.
_SEGMENTS = (2, 2, 2, 4)


class RefreshError(Exception):
    """The package data is not in the expected shape."""


def dotted(code: str, digits: int) -> str:
    """Return `code` (dotted or not) in dotted form, checking it has `digits` digits."""
    bare = code.strip().replace(".", "")
    if len(bare) != digits or not re.fullmatch(r"[0-9]+", bare):
        raise RefreshError(f"bad code {code!r}: expected {digits} digits")
    parts, start = [], 0
    for width in _SEGMENTS:
        if start >= digits:
            break
        parts.append(bare[start : start + width])
        start += width
    result = ".".join(parts)
    if "." in code and code.strip() != result:
        raise RefreshError(f"bad code {code!r}: dots misplaced")
    return result


def read_level(package: Path, level: str) -> list[tuple[str, str]]:
    """Read one level's CSV from the package as sorted `(dotted code, name)` rows."""
    digits, parent_column = LEVELS[level]
    source = package / "data" / f"{level}.csv"
    with source.open(newline="", encoding="utf-8-sig") as handle:
        rows = []
        for row in csv.DictReader(handle):
            code = dotted(row["code"], digits)
            if parent_column:
                _check_parent(level, code, row[parent_column])
            rows.append((code, row["name"]))
    if not rows:
        raise RefreshError(f"{source} has no rows")
    return sorted(rows)


def _check_parent(level: str, code: str, source_parent: str) -> None:
    """Fail unless the source's parent column agrees with the parent implied by `code`."""
    implied = code.rpartition(".")[0]
    if dotted(source_parent, len(implied.replace(".", ""))) != implied:
        raise RefreshError(f"{level}: {code} has parent {source_parent!r}")


def check_tree(levels: dict[str, list[tuple[str, str]]]) -> None:
    """Fail on duplicate codes or on a region whose parent is missing."""
    known: set[str] = set()
    for level, rows in levels.items():
        codes = [code for code, _ in rows]
        if len(set(codes)) != len(codes):
            raise RefreshError(f"{level}: duplicate codes")
        if level != "provinces":
            orphans = [c for c in codes if c.rpartition(".")[0] not in known]
            if orphans:
                raise RefreshError(f"{level}: parents missing for {orphans[:5]}")
        known.update(codes)


def gzip_csv(rows: list[tuple[str, str]]) -> bytes:
    """Serialise rows as a `code,name` CSV, gzip-compressed without timestamp or file name."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(("code", "name"))
    writer.writerows(rows)
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as gz:
        gz.write(text.getvalue().encode("utf-8"))
    return out.getvalue()


def package_version(package: Path) -> str:
    """Name and version from the package's package.json, checking it is idn-area-data."""
    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
    if meta.get("name") != "idn-area-data":
        raise RefreshError(f"{package} is {meta.get('name')!r}, not idn-area-data")
    return str(meta["version"])


def license_text(version: str, counts: dict[str, int]) -> str:
    """The ODbL attribution notice for the converted files."""
    rows = "\n".join(f"| `{level}.csv.gz` | {count} |" for level, count in counts.items())
    return _LICENSE_TEMPLATE.format(version=version, rows=rows)


def refresh(package: Path, out_dir: Path = DATA_DIR) -> tuple[str, dict[str, int]]:
    """Rebuild every `<level>.csv.gz` and LICENSE-DATA.md in `out_dir`.

    Returns the package version and the row count per level.
    """
    version = package_version(package)
    levels = {level: read_level(package, level) for level in LEVELS}
    check_tree(levels)
    out_dir.mkdir(parents=True, exist_ok=True)
    for level, rows in levels.items():
        (out_dir / f"{level}.csv.gz").write_bytes(gzip_csv(rows))
    counts = {level: len(rows) for level, rows in levels.items()}
    (out_dir / "LICENSE-DATA.md").write_text(license_text(version, counts), encoding="utf-8")
    return version, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="unpacked idn-area-data npm package folder")
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output folder")
    args = parser.parse_args(argv)
    try:
        version, counts = refresh(args.package, args.out)
    except (RefreshError, OSError, KeyError, ValueError) as exc:
        print(f"refresh failed: {exc}", file=sys.stderr)
        return 1
    print(f"idn-area-data {version}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


_LICENSE_TEMPLATE = """\
# Region-code data: licence and attribution

The files `provinces.csv.gz`, `regencies.csv.gz`, `districts.csv.gz` and `villages.csv.gz` in
this folder are derived from **Indonesian Area Data (Data Wilayah Indonesia)**, the data set of
the npm package [`idn-area-data`](https://www.npmjs.com/package/idn-area-data), version
**{version}**, by Fityan (fityannugroho), upstream project `fityannugroho/idn-area-data`, which
compiles it from official Government of Indonesia (Kemendagri) region-code sources. Upstream,
the package code is under the MIT License and the data under the Open Database License.

## Licence

The upstream data is made available under the **Open Database License (ODbL) v1.0**:
<https://opendatacommons.org/licenses/odbl/1-0/> (full text also in `data/LICENSE.md` of the
npm package).

## What was changed

This is a converted (derivative) database of the upstream one:

- only the province, regency/city, district (kecamatan) and village (desa/kelurahan) levels are
  kept (the island list is not);
- codes are written in the dotted Kemendagri form (`32`, `32.11`, `32.11.06`, `32.11.06.2001`),
  the parent-code column is dropped (the parent is the code minus its last segment), and rows are
  sorted by code;
- names are kept exactly as in the source;
- each level is stored as a UTF-8 CSV (`code,name`) compressed with gzip.

The conversion is done by `silasidakep/regions/refresh.py` (see `README.md` here).

**This converted database is offered under the same licence, the Open Database License v1.0**
(<https://opendatacommons.org/licenses/odbl/1-0/>). If you publicly use it or a database
produced from it, keep this notice; if you redistribute an adapted version, offer it under the
ODbL as well.

## Rows

| file | rows |
| --- | --- |
{rows}
"""


if __name__ == "__main__":
    sys.exit(main())
