"""The IKM (Indeks Kepuasan Masyarakat) of PermenPAN-RB No. 14/2017: its elements, weights and
quality bands from ``ikm.yaml`` (data, validated once at start), and the computation.

IKM = conversion x sum over elements of (weight x average score of the element); with the
regulation's nine equal weights (1/9) and conversion 25 that is the average of the nine
averages scaled from 1..4 to 25..100. Computed exactly (fractions), rounded half up to two
decimals at the end, as the regulation's worked figures are; see docs/ikm.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import yaml

IKM_FILE = Path(__file__).with_name("ikm.yaml")
CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,15}$")
CENT = Decimal("0.01")


class InvalidDefinition(ValueError):
    """ikm.yaml breaks a rule; intake refuses to start rather than compute a wrong index."""


@dataclass(frozen=True)
class Element:
    code: str
    name: str
    question: str
    answers: tuple[str, ...]  # label of score scale.min, scale.min + 1, ...
    weight: Fraction


@dataclass(frozen=True)
class Band:
    grade: str
    label: str
    min: Decimal
    max: Decimal

    def public(self) -> dict[str, Any]:
        return {"grade": self.grade, "label": self.label,
                "min": float(self.min), "max": float(self.max)}


@dataclass(frozen=True)
class Definition:
    version: int
    regulation: str
    scale_min: int
    scale_max: int
    conversion: Fraction
    comment_max_length: int
    elements: tuple[Element, ...]
    bands: tuple[Band, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(e.code for e in self.elements)

    @property
    def scores(self) -> range:
        return range(self.scale_min, self.scale_max + 1)

    def band_for(self, value: Decimal) -> Band:
        for band in self.bands:
            if band.min <= value <= band.max:
                return band
        raise ValueError(f"IKM {value} outside every band")

    def questions(self) -> list[dict[str, Any]]:
        """What the survey page shows: each element's question and its labelled answers."""
        return [{"code": e.code, "name": e.name, "question": e.question,
                 "options": [{"score": s, "label": label}
                             for s, label in zip(self.scores, e.answers, strict=True)]}
                for e in self.elements]


@dataclass(frozen=True)
class Result:
    responses: int
    averages: dict[str, Decimal]  # per element code, 1..4, rounded to two decimals
    converted: dict[str, Decimal]  # the same on the 25..100 scale (the per-element reading)
    ikm: Decimal | None  # None without responses
    band: Band | None


# --- loading and validation -------------------------------------------------------------------


def _fraction(value: Any, what: str, problems: list[str]) -> Fraction:
    try:
        result = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        problems.append(f"{what}: not a number or fraction: {value!r}")
        return Fraction(0)
    if result <= 0:
        problems.append(f"{what}: must be positive")
    return result


def _text(value: Any, what: str, problems: list[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{what}: text required")
        return ""
    return value.strip()


def _elements(raw: Any, answers_needed: int, problems: list[str]) -> tuple[Element, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append("elements: a non-empty list required")
        return ()
    elements = []
    for index, item in enumerate(raw):
        item = item if isinstance(item, dict) else {}
        code = str(item.get("code", ""))
        where = f"elements[{index}] {code or '?'}"
        if not CODE.match(code):
            problems.append(f"{where}: code must match {CODE.pattern}")
        answers = item.get("answers")
        if (not isinstance(answers, list) or len(answers) != answers_needed
                or not all(isinstance(a, str) and a.strip() for a in answers)):
            problems.append(f"{where}: exactly {answers_needed} answer labels required")
            answers = [""] * answers_needed
        elements.append(Element(
            code=code, name=_text(item.get("name"), f"{where}.name", problems),
            question=_text(item.get("question"), f"{where}.question", problems),
            answers=tuple(a.strip() for a in answers),
            weight=_fraction(item.get("weight"), f"{where}.weight", problems),
        ))
    codes = [e.code for e in elements]
    if len(set(codes)) != len(codes):
        problems.append("elements: codes must be unique")
    if sum(e.weight for e in elements) != 1:
        problems.append(f"elements: weights add up to {sum(e.weight for e in elements)}, not 1")
    return tuple(elements)


def _bands(raw: Any, low: Decimal, high: Decimal, problems: list[str]) -> tuple[Band, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append("bands: a non-empty list required")
        return ()
    bands = []
    for index, item in enumerate(raw):
        item = item if isinstance(item, dict) else {}
        try:
            lo, hi = Decimal(str(item["min"])), Decimal(str(item["max"]))
        except (KeyError, ArithmeticError):
            problems.append(f"bands[{index}]: min and max must be numbers")
            continue
        if lo.quantize(CENT) != lo or hi.quantize(CENT) != hi or lo > hi:
            problems.append(f"bands[{index}]: min <= max, at most two decimals")
        bands.append(Band(_text(item.get("grade"), f"bands[{index}].grade", problems),
                          _text(item.get("label"), f"bands[{index}].label", problems), lo, hi))
    bands.sort(key=lambda b: b.min)
    if bands and (bands[0].min != low or bands[-1].max != high):
        problems.append(f"bands: must cover {low}..{high}")
    for before, after in zip(bands, bands[1:], strict=False):
        if after.min != before.max + CENT:
            problems.append(f"bands: gap or overlap between {before.grade} and {after.grade}")
    if len({b.grade for b in bands}) != len(bands):
        problems.append("bands: grades must be unique")
    return tuple(bands)


def parse(raw: Mapping[str, Any]) -> Definition:
    """The definition in ``raw`` (ikm.yaml's content); InvalidDefinition lists every problem."""
    problems: list[str] = []
    scale = raw.get("scale") or {}
    low, high = scale.get("min"), scale.get("max")
    if not (isinstance(low, int) and isinstance(high, int) and 0 < low < high):
        problems.append("scale: integers 0 < min < max required")
        low, high = 1, 4
    conversion = _fraction(raw.get("conversion"), "conversion", problems)
    comment_max = raw.get("comment_max_length")
    if not isinstance(comment_max, int) or not 1 <= comment_max <= 5000:
        problems.append("comment_max_length: an integer 1..5000 required")
        comment_max = 1
    elements = _elements(raw.get("elements"), high - low + 1, problems)
    bands = _bands(raw.get("bands"), _decimal(low * conversion), _decimal(high * conversion),
                   problems)
    version = raw.get("version")
    if not isinstance(version, int):
        problems.append("version: an integer required")
    regulation = _text(raw.get("regulation"), "regulation", problems)
    if problems:
        raise InvalidDefinition("ikm.yaml: " + "; ".join(problems))
    return Definition(version, " ".join(regulation.split()), low, high, conversion,
                      comment_max, elements, bands)


@cache
def definition(path: Path = IKM_FILE) -> Definition:
    return parse(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


# --- computation ----------------------------------------------------------------------------------


def _decimal(value: Fraction) -> Decimal:
    """``value`` rounded half up to two decimals (exact before the rounding)."""
    with localcontext() as context:
        context.prec = 50
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def compute(spec: Definition, sums: Mapping[str, int], responses: int) -> Result:
    """The IKM of ``responses`` complete answers whose scores add up to ``sums[code]`` per
    element (what one SQL aggregate gives)."""
    if responses <= 0:
        return Result(0, {}, {}, None, None)
    averages = {e.code: Fraction(int(sums[e.code]), responses) for e in spec.elements}
    weighted = sum(e.weight * averages[e.code] for e in spec.elements)
    ikm = _decimal(weighted * spec.conversion)
    return Result(responses, {c: _decimal(a) for c, a in averages.items()},
                  {c: _decimal(a * spec.conversion) for c, a in averages.items()}, ikm,
                  spec.band_for(ikm))
