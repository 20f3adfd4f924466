"""How an application came in (its ``channel``): the web pages, the super-app, or a counter.

Counter channels follow the kind of service location the front office works at; a citizen's
own request can never claim one (it would pass a walk-in's trust and the reports' split)."""

from __future__ import annotations

from silasidakep.errors import Forbidden

ONLINE, SUPER_APP = "ONLINE", "SUPER_APP"
LOKET_MPP, KECAMATAN, DESA = "LOKET_MPP", "KECAMATAN", "DESA"
CHANNELS = (ONLINE, SUPER_APP, LOKET_MPP, KECAMATAN, DESA)
COUNTER_CHANNELS = frozenset({LOKET_MPP, KECAMATAN, DESA})
# Location kind → channel. The Dinas's own office counter is a loket like the MPP's (the
# channel list has no separate one; the location code still tells them apart).
BY_LOCATION_KIND = {"MPP": LOKET_MPP, "DINAS": LOKET_MPP, "KECAMATAN": KECAMATAN,
                    "DESA": DESA, "KELURAHAN": DESA}
LABELS = {ONLINE: "Daring (situs web)", SUPER_APP: "Aplikasi super", LOKET_MPP: "Loket MPP",
          KECAMATAN: "Loket kecamatan", DESA: "Loket desa/kelurahan"}


def for_location_kind(kind: str) -> str:
    return BY_LOCATION_KIND[kind]


def for_citizen(super_app: bool, requested: object = None) -> str:
    """A citizen's own request: SUPER_APP with the super-app's token, else ONLINE. Naming any
    other channel (a counter's, or the other online one) is refused."""
    channel = SUPER_APP if super_app else ONLINE
    if requested is not None and requested != channel:
        raise Forbidden("Saluran permohonan ini hanya dapat dipakai petugas loket.",
                        fields={"channel": [f"Saluran Anda: {channel}."]},
                        code="CHANNEL_NOT_ALLOWED")
    return channel
