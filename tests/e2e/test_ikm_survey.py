"""The IKM survey end to end: an application is issued and downloaded, the invitation email
arrives, the citizen answers on /survei/{token} in the browser (screenshots in
test-artifacts/survey/), a second answer is refused, and the staff report counts it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.test_citizen_pages import (  # noqa: F401 (the browser fixture)
    assert_accessible_basics,
    browser,
    new_page,
)
from tests.support.infra import body_text
from tests.support.journeys import apply, approve, pin_from, wait_for_status
from tests.support.system import System

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "survey"
CODES = [f"U{i}" for i in range(1, 10)]
# What the citizen picks: 4 4 3 4 3 4 4 3 3 = 32; 32 / 9 x 25 = 88.888... -> 88.89, A.
PICKED = dict(zip(CODES, (4, 4, 3, 4, 3, 4, 4, 3, 3), strict=True))


def _staff_get(system: System, token: str, path: str) -> requests.Response:
    return requests.get(f"{system.gateway}{path}", timeout=30,
                        headers={"Authorization": f"Bearer {token}"})


def _answer_in_browser(system: System, browser: Any, survey: str) -> None:  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page, errors = new_page(browser)
    page.goto(f"{system.gateway}/survei/{survey}")
    expect(page.get_by_role("group", name=re.compile(r"^1\. .*persyaratan"))).to_be_visible()
    assert page.locator("fieldset[data-code]").count() == 9
    assert_accessible_basics(page)
    page.screenshot(path=str(SHOTS / "survey-form.png"), full_page=True)

    page.get_by_role("button", name="Kirim jawaban").click()  # nothing chosen yet
    expect(page.locator("fieldset.has-error")).to_have_count(9)
    for code, score in PICKED.items():
        page.locator(f"#jawab-{code}-{score}").check()
    page.get_by_label("Saran dan masukan (tidak wajib)").fill(
        "Petugas ramah dan dokumen cepat terbit. Mohon tambah panduan unggah.")
    expect(page.locator("fieldset.has-error")).to_have_count(0)  # cleared once answered
    page.screenshot(path=str(SHOTS / "survey-filled.png"), full_page=True)
    page.get_by_role("button", name="Kirim jawaban").click()
    expect(page.get_by_role("heading", name="Terima kasih")).to_be_visible()
    page.screenshot(path=str(SHOTS / "survey-thanks.png"), full_page=True)

    page.reload()  # the link again: answered, so only the thanks
    expect(page.get_by_text("sudah diisi")).to_be_visible()
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def test_a_finished_application_is_surveyed_once_and_counted(
    system: System, verifier: str, supervisor: str, browser: Any,  # noqa: F811
) -> None:
    citizen, app, payload = apply(system, "KK_PERUBAHAN", 7_315)
    email = payload["applicant"]["email"]
    approve(system, verifier, app["id"])
    wait_for_status(citizen, app["id"], app["access_token"], "ISSUED")
    pin = pin_from(system, email)
    assert citizen.download(app["id"], app["access_token"], pin).status_code == 200
    assert citizen.download(app["id"], app["access_token"], pin).status_code == 200

    mail = system.mailbox.wait_for(email, "Survei kepuasan")
    survey = re.search(r"/survei/([A-Za-z0-9_-]{43})\b", body_text(mail)).group(1)
    assert len([m for m in system.mailbox.to(email) if "Survei" in m["Subject"]]) == 1
    _answer_in_browser(system, browser, survey)

    url = f"{system.gateway}/api/v1/survey/{survey}"
    again = requests.post(url, json={"scores": PICKED}, timeout=30)
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "SURVEY_ALREADY_ANSWERED"
    out_of_range = requests.post(url, json={"scores": {**PICKED, "U5": 5}}, timeout=30)
    assert out_of_range.status_code == 400
    assert out_of_range.json()["error"]["code"] == "SCORE_OUT_OF_RANGE"
    unknown = requests.get(f"{system.gateway}/api/v1/survey/{'x' * 43}", timeout=30)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "SURVEY_NOT_FOUND"

    report = _staff_get(system, supervisor, "/api/v1/staff/reports/ikm?service_code=KK_PERUBAHAN")
    assert report.status_code == 200, report.text
    (row,) = report.json()["services"]
    assert (row["responses"], row["ikm"], row["grade"], row["grade_label"]) == (
        1, 88.89, "A", "Sangat baik")
    assert [e["average"] for e in row["elements"]] == [float(v) for v in PICKED.values()]
    exported = _staff_get(system, supervisor, "/api/v1/staff/reports/ikm.csv")
    assert exported.status_code == 200 and exported.headers["Content-Type"].startswith("text/csv")
    assert "KK_PERUBAHAN" in exported.text and "SEMUA" in exported.text
    comments = _staff_get(system, supervisor, "/api/v1/staff/reports/ikm/comments")
    assert comments.status_code == 200
    assert any("Petugas ramah" in c["comment"] for c in comments.json()["comments"])
    refused = _staff_get(system, verifier, "/api/v1/staff/reports/ikm")
    assert refused.status_code == 403
