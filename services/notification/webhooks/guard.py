"""Where a webhook may point: https, and never into this network (loopback, private,
link-local, multicast or reserved addresses) — checked at registration and again before every
request, since DNS can change. A development run may use loopback receivers."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from silasidakep.errors import ValidationFailed


def refused(message: str) -> ValidationFailed:
    return ValidationFailed(fields={"url": [message]}, code="WEBHOOK_URL_REFUSED")


def internal(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast
            or ip.is_reserved or ip.is_unspecified)


def check_url(url: object, development: bool) -> str:
    """``url`` when a webhook may be sent there, else 400 WEBHOOK_URL_REFUSED."""
    if not isinstance(url, str) or len(url) > 2000:
        raise refused("Alamat webhook tidak valid.")
    parts = urlsplit(url)
    allowed = ("https", "http") if development else ("https",)
    if parts.scheme not in allowed or not parts.hostname or parts.username or parts.password:
        raise refused("Alamat webhook harus https:// tanpa nama pengguna atau kata sandi.")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        raise refused("Nama host webhook tidak dapat ditemukan.") from None
    if not development and any(internal(info[4][0]) for info in infos):
        raise refused("Alamat webhook menuju jaringan internal; tidak diizinkan.")
    return url
