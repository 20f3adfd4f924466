"""Citizen accounts in a real browser (headless Chromium) against all five services: sign in by
a code sent by email, find an application filed on another device, apply for a child, recover a
lost guest link, and sign out of every device. Screenshots go to test-artifacts/pages/."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_citizen_pages import (  # noqa: F401 (the browser fixture)
    assert_accessible_basics,
    browser,
    choose,
    field,
    new_page,
    pick_village,
    shot,
    tracked,
    upload,
)
from tests.support import forms
from tests.support.accounts import a_minute_later, code_mails, latest_code
from tests.support.identities import Person
from tests.support.scans import pdf_scan
from tests.support.system import System

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
Page = sync_api.Page

pytestmark = pytest.mark.e2e


def new_email() -> str:
    return f"ibu.{uuid.uuid4().hex[:10]}@example.id"


def sign_in(system: System, page: Page, address: str, name: str) -> None:
    seen = code_mails(system, address)
    page.goto(f"{system.gateway}/masuk")
    assert_accessible_basics(page)
    page.get_by_label("Nomor ponsel atau email").fill(address)
    page.get_by_role("button", name="Kirim kode").click()
    expect(page.get_by_label("Kode masuk")).to_be_visible()
    shot(page, f"{name}-code")
    page.get_by_label("Kode masuk").fill(latest_code(system, address, seen))
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page).to_have_url(re.compile(r"/akun$"))
    expect(page.locator("#nav-akun")).to_have_text("Akun saya")


def fill_address(page: Page, person: Person) -> None:
    field(page, "form.address").fill("Jalan Prabu Geusan Ulun No. 12")
    field(page, "form.rt_rw").fill("002/005")
    pick_village(page, "form.desa_code", person.kecamatan_code)


def fill_contact_and_person(page: Page, person: Person, email: str) -> None:
    field(page, "applicant.nik").fill(person.nik)
    field(page, "applicant.name").fill(person.name)
    field(page, "applicant.kk_number").fill(person.kk_number)
    choose(field(page, "applicant.kecamatan_code"), person.kecamatan_code)
    field(page, "applicant.email").fill(email)


def upload_all(page: Page, tmp_path: Path, *doc_types: str) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(pdf_scan("Dokumen"))
    for doc_type in doc_types:
        upload(page, doc_type, scan)


def fill_ktp(page: Page, person: Person, email: str, tmp_path: Path, seed: int) -> None:
    """A new KTP-el for ``person``: the applicant block, the form and its one document."""
    ktp = forms.form_for("KTP_BARU", person, seed=seed)
    fill_contact_and_person(page, person, email)
    for name in ("birth_place", "occupation"):
        field(page, f"form.{name}").fill(ktp[name])
    for name in ("reason", "sex", "religion", "marital_status"):
        field(page, f"form.{name}").select_option(ktp[name])
    field(page, "form.birth_date").fill(ktp["birth_date"])
    fill_address(page, person)
    upload_all(page, tmp_path, "KK")


def submit(page: Page) -> tuple[str, str]:
    page.locator("#pernyataan").check()
    page.get_by_role("button", name="Ajukan permohonan").click()
    expect(page.get_by_role("heading", name="Permohonan berhasil diajukan")).to_be_visible()
    return tracked(page)


def test_apply_signed_in_for_a_child_then_find_it_on_another_device(
    system: System, browser: Any, tmp_path: Path  # noqa: F811
) -> None:
    mother = forms.adult(9101, min_age=28)
    address = new_email()
    phone_ctx, phone, phone_errors = new_page(browser)
    sign_in(system, phone, address, "account-sign-in")
    shot(phone, "account-empty")

    # A KIA: the mother files for her child (named in the form).
    kia = forms.form_for("KIA", mother, seed=4)
    phone.goto(f"{system.gateway}/layanan/KIA")
    fill_contact_and_person(phone, mother, address)
    for name in ("child_nik", "child_name", "child_birth_place", "birth_certificate_number",
                 "father_name", "mother_name"):
        field(phone, f"form.{name}").fill(kia[name])
    field(phone, "form.child_sex").select_option(kia["child_sex"])
    field(phone, "form.child_birth_date").fill(kia["child_birth_date"])
    fill_address(phone, mother)
    upload_all(phone, tmp_path, "AKTA_LAHIR", "KK", "KTP_AYAH", "KTP_IBU")
    app_id, _ = submit(phone)
    shot(phone, "account-applied")

    phone.goto(f"{system.gateway}/akun/keluarga")
    expect(phone.locator("#daftar-keluarga")).to_contain_text(kia["child_name"])
    expect(phone.locator("#daftar-keluarga")).to_contain_text("Anak")
    shot(phone, "account-family")

    # Another device: sign in with the same email, find it, open it without any link.
    a_minute_later(system)
    laptop_ctx, laptop, laptop_errors = new_page(browser, {"width": 1280, "height": 900})
    sign_in(system, laptop, address, "account-second-device")
    listed = laptop.locator("#daftar-permohonan li")
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text(kia["child_name"])
    shot(laptop, "account-applications")
    listed.first.get_by_role("link", name=re.compile("Buka permohonan")).click()
    expect(laptop.locator("#judul")).to_contain_text("Kartu Identitas Anak")
    assert app_id in laptop.url

    # Sessions: "Keluar dari semua perangkat" on the laptop signs the phone out too.
    laptop.goto(f"{system.gateway}/akun/profil")
    expect(laptop.locator("#daftar-perangkat li")).to_have_count(2)
    shot(laptop, "account-devices")
    laptop.get_by_role("button", name="Keluar dari semua perangkat").click()
    expect(laptop).to_have_url(re.compile(r"/masuk$"))
    phone.goto(f"{system.gateway}/akun")
    expect(phone).to_have_url(re.compile(r"/masuk\?next="))
    for context in (phone_ctx, laptop_ctx):
        context.close()
    assert phone_errors == [] and laptop_errors == []


def test_apply_for_a_husband_as_pelapor(system: System, browser: Any, tmp_path: Path) -> None:  # noqa: F811
    wife, husband = forms.adult(9201), forms.adult(9202)
    address = new_email()
    context, page, errors = new_page(browser)
    sign_in(system, page, address, "account-pelapor")
    page.goto(f"{system.gateway}/layanan/KTP_BARU")
    page.get_by_label("Anggota keluarga").check()
    field(page, "reporter.name").fill(wife.name)
    field(page, "reporter.nik").fill(wife.nik)
    field(page, "reporter.kk_number").fill(husband.kk_number)
    field(page, "reporter.relationship").select_option("SUAMI")
    fill_ktp(page, husband, address, tmp_path, seed=5)
    submit(page)
    shot(page, "account-pelapor-applied")
    page.goto(f"{system.gateway}/akun/keluarga")
    expect(page.locator("#daftar-keluarga")).to_contain_text(husband.name)
    expect(page.locator("#daftar-keluarga")).to_contain_text("Suami")
    context.close()
    assert errors == []


def test_recover_a_lost_guest_link(system: System, browser: Any, tmp_path: Path) -> None:  # noqa: F811
    person = forms.adult(9301)
    address = new_email()
    first_ctx, first, first_errors = new_page(browser)
    first.goto(f"{system.gateway}/layanan/KTP_BARU")
    fill_ktp(first, person, address, tmp_path, seed=6)
    app_id, old_token = submit(first)
    tracking = first.locator("#kode-pelacakan").inner_text()
    old_link = first.locator("#tautan-pelacakan").input_value()

    # A new browser with nothing saved: the tracking page points to recovery.
    second_ctx, second, second_errors = new_page(browser)
    second.goto(f"{system.gateway}/permohonan")
    second.get_by_role("link", name="Pulihkan akses").click()
    assert_accessible_basics(second)
    second.get_by_label("Kode pelacakan").fill(tracking)
    second.get_by_role("button", name="Kirim kode").click()
    expect(second.get_by_label("Kode dari pesan")).to_be_visible()
    shot(second, "recover-code")
    second.get_by_label("Kode dari pesan").fill(latest_code(system, address))
    second.get_by_role("button", name="Pulihkan akses").click()
    expect(second).to_have_url(re.compile(r"/permohonan#id="))
    expect(second.locator("#judul")).to_contain_text("KTP")
    shot(second, "recover-opened")
    assert app_id in second.url and old_token not in second.url

    # The old link has stopped working.
    first.goto(old_link)
    first.reload()
    expect(first.locator("#judul")).to_have_text("Permohonan tidak dapat dibuka")
    for context in (first_ctx, second_ctx):
        context.close()
    assert first_errors == [] and second_errors == []
