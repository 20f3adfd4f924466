"""What a report may ask for: a period of WIB dates (at most 366 days) and optional filters on
service, channel and kecamatan, each checked against what exists (400 with a code otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from services.intake.catalogue import load_catalogue
from silasidakep import regions
from silasidakep.clock import WIB
from silasidakep.errors import ValidationFailed

MAX_DAYS = 366
# Every channel an application can come in by (the CHECK on intake.applications.channel).
CHANNELS = ("ONLINE", "SUPER_APP", "LOKET_MPP", "KECAMATAN", "DESA")
# Filed by the citizen themself, without a counter: what the Dinas reports as "online".
ONLINE_CHANNELS = ("ONLINE", "SUPER_APP")
CHANNEL_NAMES = {
    "ONLINE": "Daring (situs web)",
    "SUPER_APP": "Aplikasi super",
    "LOKET_MPP": "Loket MPP",
    "KECAMATAN": "Kantor kecamatan",
    "DESA": "Kantor desa/kelurahan",
}
REGENCY_PREFIX = "32.11."  # the kecamatan of Kabupaten Sumedang


@dataclass(frozen=True)
class ReportQuery:
    first_day: date  # WIB, inclusive
    last_day: date  # WIB, inclusive
    service_code: str | None = None
    channel: str | None = None
    kecamatan_code: str | None = None

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(0), tzinfo=WIB)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight WIB after the last day."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), tzinfo=WIB)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def application_filter(self, alias: str = "a") -> tuple[str, dict[str, str]]:
        """The filters as SQL on ``intake.applications`` (aliased ``alias``) and their bound
        parameters; the SQL text holds only column names, never a value."""
        chosen = {name: value for name, value in self.as_dict().items() if value is not None}
        sql = "".join(f" AND {alias}.{name} = :f_{name}" for name in chosen)
        return sql, {f"f_{name}": value for name, value in chosen.items()}

    def bounds(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end,
                "first_day": self.first_day, "last_day": self.last_day}

    def as_dict(self) -> dict[str, Any]:
        return {"service_code": self.service_code, "channel": self.channel,
                "kecamatan_code": self.kecamatan_code}


def _day(raw: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise ValidationFailed(
            "Tanggal harus berformat TTTT-BB-HH.", fields={name: ["Tanggal tidak valid."]},
            code="INVALID_DATE",
        ) from None


def _period(raw_from: Any, raw_to: Any) -> tuple[date, date]:
    if not raw_from or not raw_to:
        raise ValidationFailed(
            "Pilih periode laporan: tanggal awal dan tanggal akhir.", code="PERIOD_REQUIRED",
            fields={k: ["Wajib diisi."] for k, v in (("from", raw_from), ("to", raw_to)) if not v},
        )
    first, last = _day(raw_from, "from"), _day(raw_to, "to")
    if first > last:
        raise ValidationFailed("Tanggal awal tidak boleh setelah tanggal akhir.",
                               fields={"from": ["Setelah tanggal akhir."]}, code="INVALID_PERIOD")
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationFailed(f"Periode laporan paling panjang {MAX_DAYS} hari.",
                               fields={"to": ["Periode terlalu panjang."]}, code="PERIOD_TOO_LONG")
    return first, last


def _known_kecamatan(code: str) -> bool:
    region = regions.get(code)
    return region is not None and region.level == "district" and code.startswith(REGENCY_PREFIX)


def _choice(raw: Any, name: str, known: Any, code: str, message: str) -> str | None:
    if raw in (None, ""):
        return None
    value = str(raw)
    if not known(value):
        raise ValidationFailed(message, fields={name: [message]}, code=code)
    return value


def parse_query(params: dict[str, Any]) -> ReportQuery:
    """Check the report's parameters (``from``, ``to``, optional filters)."""
    first, last = _period(params.get("from"), params.get("to"))
    return ReportQuery(
        first, last,
        service_code=_choice(params.get("service_code"), "service_code",
                             lambda v: v in load_catalogue(), "UNKNOWN_SERVICE",
                             "Layanan tidak dikenal."),
        channel=_choice(params.get("channel"), "channel", lambda v: v in CHANNELS,
                        "UNKNOWN_CHANNEL", "Kanal permohonan tidak dikenal."),
        kecamatan_code=_choice(params.get("kecamatan_code"), "kecamatan_code",
                               _known_kecamatan, "UNKNOWN_KECAMATAN",
                               "Kecamatan tidak dikenal di Kabupaten Sumedang."),
    )
