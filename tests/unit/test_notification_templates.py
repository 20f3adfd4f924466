"""Every notification template renders for every channel with a sample event."""

from __future__ import annotations

import pytest

from services.intake.domain.status import Status
from services.notification import rendering

BASE = "https://silasidakep.sumedangkab.go.id"
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
CITIZEN = sorted(set(rendering.TEMPLATES.values()))
CASES = [(t, c) for t in CITIZEN for c in rendering.CHANNELS
         if not (c == "INBOX" and t in rendering.SECRET_TEMPLATES)]


@pytest.mark.parametrize(("template", "channel"), CASES)
def test_every_event_renders_in_every_channel(template: str, channel: str) -> None:
    assert rendering.has_template(channel, template), f"{channel}/{template} missing"
    rendered = rendering.preview(template, channel, BASE)
    assert rendered.version >= 1 and rendered.text.strip()
    whole = rendered.subject + rendered.text
    assert "SLS-7K2M9Q4P" in whole or "ADU-3F8K2M" in whole
    if channel in ("EMAIL", "INBOX"):
        assert rendered.subject
    if channel == "SMS":
        assert len(rendered.text) <= rendering.SMS_LIMIT
        assert set(rendered.text) <= GSM7


@pytest.mark.parametrize("template", CITIZEN)
def test_no_secret_or_full_identity_number_where_it_does_not_belong(template: str) -> None:
    event = rendering.sample_event(template)
    event["note"] = "NIK 3211064101900007 tidak cocok"
    for channel in rendering.CHANNELS:
        if not rendering.has_template(channel, template):
            continue
        text = rendering.render(channel, template, rendering.context_for(template, event, BASE))
        assert "3211064101900007" not in text.text + text.subject
        if template != "download_pin":
            assert "123456" not in text.text
        if template == "download_pin":
            assert "/permohonan" not in text.text  # the link and the PIN never travel together


def test_the_pin_has_no_inbox_template_and_staff_notices_render() -> None:
    assert not rendering.has_template("INBOX", "download_pin")
    for template in rendering.STAFF_TEMPLATES:
        assert rendering.preview(template, "EMAIL", BASE).subject


def test_every_status_intake_announces_has_a_template_and_no_template_is_orphaned() -> None:
    announced = {status.value for status in Status} - {"DRAFT"}
    for status in announced:
        assert rendering.template_for("application.status_changed", {"status": status}), status
    assert rendering.template_for("application.status_changed", {"status": "DRAFT"}) is None
    mapped = {status for event, status in rendering.TEMPLATES if event == rendering.STATUS_EVENT}
    assert mapped == announced


def test_autoescape_is_on_for_html_and_off_for_text() -> None:
    env = rendering.environment()
    assert env.autoescape("x.html") and not env.autoescape("x.txt")
