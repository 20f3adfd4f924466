"""Citizen accounts on real PostgreSQL: one-time codes and their limits, sessions, the account's
applications on any device, filing for a relative, attaching and recovering guest applications."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import sessionmaker

from services.intake.accounts import (
    contacts,
    credentials,
    guest_links,
    housekeeping,
    identities,
    mine,
    profile,
    signin,
)
from services.intake.accounts import sessions as devices
from services.intake.applications import commands, consumers, views
from services.intake.catalogue import get_service
from services.intake.models import AccountSession, Application, CitizenAccount, OneTimeCode
from silasidakep.contracts import parse_envelope
from silasidakep.db import Outbox
from silasidakep.errors import (
    Conflict,
    DomainError,
    Forbidden,
    TooManyAttempts,
    Unauthorized,
    ValidationFailed,
)
from tests.integration.conftest import INTAKE_OUTBOX as OUTBOX
from tests.support import forms
from tests.support.identities import make_person

CLIENT = {"ip": "198.51.100.7", "user_agent": "pytest"}


def sent_codes(sessions: sessionmaker) -> list[dict[str, Any]]:
    with sessions() as session:
        rows = session.execute(select(OUTBOX.c.envelope).order_by(OUTBOX.c.created_at)).all()
    return [parse_envelope(e, "citizen.code_requested")[1] for (e,) in rows
            if e["event_type"] == "citizen.code_requested"]


def last_code(sessions: sessionmaker) -> str:
    return sent_codes(sessions)[-1]["code"]


def write(sessions: sessionmaker, action: Any) -> Any:
    with sessions() as session, session.begin():
        return action(session)


def sign_in(sessions: sessionmaker, outbox: Outbox, identifier: str) -> dict[str, Any]:
    write(sessions, lambda s: signin.request_code(s, outbox, identifier, None, CLIENT))
    code = last_code(sessions)
    started, refusal = write(sessions, lambda s: signin.with_code(s, identifier, code, CLIENT))
    assert refusal is None
    return started


def free_limits(sessions: sessionmaker) -> None:
    """Age the codes sent so far, so a test can ask for the next one at once."""
    write(sessions, lambda s: s.execute(
        update(OneTimeCode).values(created_at=OneTimeCode.created_at - timedelta(days=2))
    ))


@pytest.fixture
def phone() -> str:
    return "0812" + str(make_person().nik)[-8:]


def test_a_code_signs_in_and_opens_the_account_once(intake_sessions, intake_outbox, phone):
    sent = write(intake_sessions,
                 lambda s: signin.request_code(s, intake_outbox, phone, None, CLIENT))
    assert sent["channel"] == "WHATSAPP" and sent["destination"].startswith("+62")
    code_event = sent_codes(intake_sessions)[-1]
    assert code_event["recipient"]["channels"] == ["WHATSAPP"]
    assert code_event["recipient"]["phone"] == "+62" + phone[1:]
    started, refusal = write(intake_sessions, lambda s: signin.with_code(
        s, "+62 " + phone[1:], code_event["code"], CLIENT))
    assert refusal is None and started["token"].startswith("ses_")
    account = started["account"]
    assert account["contacts"] == [{"kind": "PHONE", "value": "+62" + phone[1:],
                                    "verified": True}]
    # The same code does not work twice; the next sign-in finds the same account.
    _, reused = write(intake_sessions, lambda s: signin.with_code(
        s, phone, code_event["code"], CLIENT))
    assert reused.code == "CODE_EXPIRED"
    free_limits(intake_sessions)
    again = sign_in(intake_sessions, intake_outbox, phone)
    assert again["account"]["account_id"] == account["account_id"]


def test_wrong_codes_lock_the_code_and_expired_ones_fail(intake_sessions, intake_outbox, phone):
    write(intake_sessions, lambda s: signin.request_code(s, intake_outbox, phone, "SMS", CLIENT))
    right = last_code(intake_sessions)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    answers = [write(intake_sessions, lambda s: signin.with_code(s, phone, wrong, CLIENT))[1]
               for _ in range(5)]
    assert [a.code for a in answers] == ["CODE_INVALID"] * 4 + ["CODE_LOCKED"]
    _, after = write(intake_sessions, lambda s: signin.with_code(s, phone, right, CLIENT))
    assert after.code == "CODE_LOCKED"  # even the right code: ask for a new one

    free_limits(intake_sessions)
    write(intake_sessions, lambda s: signin.request_code(s, intake_outbox, phone, None, CLIENT))
    code = last_code(intake_sessions)
    write(intake_sessions, lambda s: s.execute(
        update(OneTimeCode).values(expires_at=OneTimeCode.created_at)))
    _, expired = write(intake_sessions, lambda s: signin.with_code(s, phone, code, CLIENT))
    assert expired.code == "CODE_EXPIRED"


def test_codes_are_limited_per_identifier_and_per_address(intake_sessions, intake_outbox, phone):
    write(intake_sessions, lambda s: signin.request_code(s, intake_outbox, phone, None, CLIENT))
    with pytest.raises(TooManyAttempts) as refused:
        write(intake_sessions,
              lambda s: signin.request_code(s, intake_outbox, phone, None, CLIENT))
    assert refused.value.code == "TOO_MANY_CODES"
    assert 0 < refused.value.fields["retry_after"] <= 61
    # One address asking codes for many numbers is stopped too.
    sweeper = {"ip": "203.0.113.9"}
    for n in range(30):
        write(intake_sessions, lambda s, n=n: signin.request_code(
            s, intake_outbox, f"08139{n:07d}", None, sweeper))
    with pytest.raises(TooManyAttempts):
        write(intake_sessions, lambda s: signin.request_code(
            s, intake_outbox, "0813999999999", None, sweeper))
    with pytest.raises(ValidationFailed) as bad:
        write(intake_sessions, lambda s: signin.request_code(
            s, intake_outbox, "bukan nomor", None, CLIENT))
    assert bad.value.code == "INVALID_IDENTIFIER"


def test_sessions_list_end_one_and_end_all(intake_sessions, intake_outbox, phone):
    first = sign_in(intake_sessions, intake_outbox, phone)
    free_limits(intake_sessions)
    second = sign_in(intake_sessions, intake_outbox, phone)
    who = write(intake_sessions, lambda s: credentials.principal(s, second["token"]))
    listed = write(intake_sessions,
                   lambda s: devices.listing(s, who.account.id, who.session_id))
    assert len(listed) == 2 and sum(item["current"] for item in listed) == 1
    write(intake_sessions, lambda s: devices.end(s, who.account.id, first["session_id"]))
    with pytest.raises(Unauthorized):
        write(intake_sessions, lambda s: credentials.principal(s, first["token"]))
    write(intake_sessions, lambda s: devices.end_all(s, who.account.id))
    with pytest.raises(Unauthorized) as ended:
        write(intake_sessions, lambda s: credentials.principal(s, second["token"]))
    assert ended.value.code == "SESSION_ENDED"


def test_my_applications_on_every_device_and_nobody_elses(intake_sessions, intake_outbox):
    mother = forms.adult(7001, min_age=25)
    phone = mother.phone
    laptop = sign_in(intake_sessions, intake_outbox, phone)
    payload = forms.application_payload("KIA", mother, seed=3)
    created = write(intake_sessions, lambda s: commands.create_application(
        s, intake_outbox, payload, laptop["token"]))
    free_limits(intake_sessions)
    phone_session = sign_in(intake_sessions, intake_outbox, phone)
    listed = write(intake_sessions, lambda s: mine.applications(
        s, credentials.principal(s, phone_session["token"]).account))
    assert [a["tracking_code"] for a in listed] == [created["tracking_code"]]
    child = listed[0]["subject"]
    assert child["name"] == payload["form"]["child_name"] and "*" in child["nik_masked"]
    # The session opens the application without the guest token …
    seen = write(intake_sessions,
                 lambda s: views.view(s, created["id"], phone_session["token"]))
    assert seen["tracking_code"] == created["tracking_code"]
    family = write(intake_sessions, lambda s: mine.family(
        s, credentials.principal(s, phone_session["token"]).account))
    assert family[0]["relationship"] == "ANAK"
    # … and another account opens neither it nor a guest's.
    stranger = sign_in(intake_sessions, intake_outbox, "stranger@example.id")
    with pytest.raises(Forbidden):
        write(intake_sessions, lambda s: views.view(s, created["id"], stranger["token"]))
    guest = write(intake_sessions, lambda s: commands.create_application(
        s, intake_outbox, forms.application_payload("KTP_BARU", forms.adult(7002), seed=4)))
    with pytest.raises(Forbidden):
        write(intake_sessions, lambda s: views.view(s, guest["id"], stranger["token"]))


def test_filing_for_a_relative_records_the_pelapor(intake_sessions, intake_outbox):
    wife, husband = forms.adult(7101), forms.adult(7102)
    account = sign_in(intake_sessions, intake_outbox, wife.email)
    payload = forms.application_payload("KTP_BARU", husband, seed=5)
    reporter = {"name": wife.name, "nik": wife.nik, "kk_number": husband.kk_number,
                "relationship": "SUAMI"}
    created = write(intake_sessions, lambda s: commands.create_application(
        s, intake_outbox, {**payload, "reporter": reporter}, account["token"]))
    seen = write(intake_sessions, lambda s: views.view(s, created["id"], account["token"]))
    assert seen["reporter"]["relationship"] == "SUAMI"
    assert seen["reporter"]["nik_masked"] != wife.nik and seen["subject"]["name"] == husband.name
    with pytest.raises(ValidationFailed) as other_family:
        write(intake_sessions, lambda s: commands.create_application(s, intake_outbox, {
            **payload, "reporter": {**reporter, "kk_number": wife.kk_number}}))
    assert other_family.value.code == "NOT_SAME_FAMILY"
    no_contact = {**payload, "applicant": {**payload["applicant"], "email": None,
                                           "phone": None}}
    with pytest.raises(ValidationFailed) as refused:
        write(intake_sessions,
              lambda s: commands.create_application(s, intake_outbox, no_contact))
    assert refused.value.code == "CONTACT_REQUIRED"


def test_a_verified_subject_sees_what_a_relative_filed(intake_sessions, intake_outbox):
    husband = forms.adult(7202)
    own = sign_in(intake_sessions, intake_outbox, husband.phone)
    filed = write(intake_sessions, lambda s: commands.create_application(
        s, intake_outbox, forms.application_payload("KTP_BARU", husband, seed=6), None))
    account_id = write(intake_sessions,
                       lambda s: credentials.principal(s, own["token"]).account.id)
    assert write(intake_sessions, lambda s: mine.applications(
        s, credentials.principal(s, own["token"]).account)) == []
    # Once a verifier approves what he filed himself, his NIK is known to his account.
    write(intake_sessions, lambda s: s.execute(update(Application).where(
        Application.id == filed["id"]).values(account_id=account_id)))

    def verify(s: Any) -> None:
        account = credentials.principal(s, own["token"]).account
        account.nik, account.nik_verified_at = husband.nik, account.created_at
    write(intake_sessions, verify)
    by_wife = write(intake_sessions, lambda s: commands.create_application(
        s, intake_outbox, forms.application_payload("KTP_BARU", husband, seed=7)))
    roles = {a["application_id"]: a["role"] for a in write(intake_sessions, lambda s: (
        mine.applications(s, credentials.principal(s, own["token"]).account)))}
    assert roles[by_wife["id"]] == "SUBJECT" and roles[filed["id"]] == "APPLICANT"
    # He reads it but cannot change what someone else filed.
    write(intake_sessions, lambda s: views.view(s, by_wife["id"], own["token"]))
    with pytest.raises(Forbidden):
        write(intake_sessions, lambda s: commands.update_application(
            s, intake_outbox, by_wife["id"], own["token"], {"phone": husband.phone}))


def test_attach_a_guest_application_by_its_contact(intake_sessions, intake_outbox):
    person = forms.adult(7301)
    guest = write(intake_sessions, lambda s: commands.create_application(
        s, intake_outbox, forms.application_payload("KTP_BARU", person, seed=8)))
    account = sign_in(intake_sessions, intake_outbox, "someone@example.id")
    who = lambda s: credentials.principal(s, account["token"])  # noqa: E731
    sent = write(intake_sessions, lambda s: guest_links.request_attach(
        s, intake_outbox, who(s), guest["tracking_code"], CLIENT))
    code_event = sent_codes(intake_sessions)[-1]
    assert code_event["purpose"] == "ATTACH"
    assert code_event["recipient"]["phone"] == person.phone  # the application's own contact
    # An unknown tracking code gets the same answer and sends nothing.
    unknown = write(intake_sessions, lambda s: guest_links.request_attach(
        s, intake_outbox, who(s), "SLS-ZZZZZZZZ", CLIENT))
    assert unknown == sent and sent_codes(intake_sessions)[-1] == code_event
    attached, refusal = write(intake_sessions, lambda s: guest_links.attach(
        s, who(s), guest["tracking_code"], code_event["code"]))
    assert refusal is None and attached["role"] == "APPLICANT"
    seen = write(intake_sessions, lambda s: views.view(s, guest["id"], account["token"]))
    assert seen["attached_to_account"] is True
    # The guest link still works.
    write(intake_sessions, lambda s: views.view(s, guest["id"], guest["access_token"]))
    free_limits(intake_sessions)
    other = sign_in(intake_sessions, intake_outbox, "other@example.id")
    write(intake_sessions, lambda s: guest_links.request_attach(
        s, intake_outbox, credentials.principal(s, other["token"]), guest["tracking_code"],
        CLIENT))
    _, taken = write(intake_sessions, lambda s: guest_links.attach(
        s, credentials.principal(s, other["token"]), guest["tracking_code"],
        last_code(intake_sessions)))
    assert isinstance(taken, Conflict) and taken.code == "ALREADY_ATTACHED"


def test_recover_a_lost_link_without_an_account(intake_sessions, intake_outbox):
    person = forms.adult(7401)
    guest = write(intake_sessions, lambda s: commands.create_application(
        s, intake_outbox, forms.application_payload("KTP_BARU", person, seed=9)))
    write(intake_sessions, lambda s: guest_links.request_recovery(
        s, intake_outbox, guest["tracking_code"], CLIENT))
    code = last_code(intake_sessions)
    _, wrong = write(intake_sessions, lambda s: guest_links.recover(
        s, guest["tracking_code"], "000000" if code != "000000" else "111111"))
    assert isinstance(wrong, DomainError) and wrong.code == "CODE_INVALID"
    recovered, refusal = write(intake_sessions, lambda s: guest_links.recover(
        s, guest["tracking_code"], code))
    assert refusal is None and recovered["application_id"] == guest["id"]
    write(intake_sessions, lambda s: views.view(s, guest["id"], recovered["access_token"]))
    with pytest.raises(Forbidden):  # the old link has ended
        write(intake_sessions, lambda s: views.view(s, guest["id"], guest["access_token"]))


def test_profile_channel_needs_a_contact_of_its_kind(intake_sessions, intake_outbox, phone):
    started = sign_in(intake_sessions, intake_outbox, phone)

    def change(s: Any, changes: dict) -> dict:
        account = credentials.principal(s, started["token"]).account
        profile.update(account, changes)
        return profile.view(account)
    assert write(intake_sessions, lambda s: change(s, {"preferred_channel": "SMS",
                                                       "name": "Siti"}))["name"] == "Siti"
    with pytest.raises(ValidationFailed) as refused:
        write(intake_sessions, lambda s: change(s, {"preferred_channel": "EMAIL"}))
    assert refused.value.code == "NO_CONTACT_FOR_CHANNEL"


def test_a_second_contact_is_proven_before_it_counts(intake_sessions, intake_outbox, phone):
    started = sign_in(intake_sessions, intake_outbox, phone)
    who = lambda s: credentials.principal(s, started["token"])  # noqa: E731
    write(intake_sessions, lambda s: contacts.request_code(
        s, intake_outbox, who(s), "Siti@Example.id", None, CLIENT))
    sent = sent_codes(intake_sessions)[-1]
    assert sent["purpose"] == "CONTACT" and sent["recipient"]["email"] == "siti@example.id"
    viewed, refusal = write(intake_sessions, lambda s: contacts.confirm(
        s, who(s), "siti@example.id", sent["code"]))
    assert refusal is None
    assert {c["kind"] for c in viewed["contacts"]} == {"PHONE", "EMAIL"}
    # Now email can be the preferred channel, and a code sign-in by email finds this account.
    write(intake_sessions, lambda s: profile.update(who(s).account, {"preferred_channel": "EMAIL"}))
    by_email = sign_in(intake_sessions, intake_outbox, "siti@example.id")
    assert by_email["account"]["account_id"] == viewed["account_id"]


def test_old_codes_and_ended_sessions_are_forgotten(intake_sessions, intake_outbox, phone):
    started = sign_in(intake_sessions, intake_outbox, phone)
    who = write(intake_sessions, lambda s: credentials.principal(s, started["token"]))
    write(intake_sessions, lambda s: devices.end_all(s, who.account.id))
    write(intake_sessions, lambda s: s.execute(update(AccountSession).values(
        ended_at=AccountSession.ended_at - timedelta(days=31))))
    free_limits(intake_sessions)  # codes two days old: past every limit's window
    assert write(intake_sessions, housekeeping.purge) >= 2
    with intake_sessions() as s:
        assert s.scalar(select(func.count()).select_from(OneTimeCode)) == 0
        assert s.get(AccountSession, who.session_id) is None


def test_status_events_name_the_following_accounts_and_their_outside_sign_ins(
    intake_sessions, intake_outbox
):
    issuer = "https://login.tahu.sumedangkab.go.id"
    person = forms.adult(7501)
    claims = {"sub": "tahu-user-7501", "phone_number": person.phone,
              "phone_number_verified": True, "name": person.name}
    account = write(intake_sessions, lambda s: identities.account_for(s, issuer, claims))
    # The same user again, and a sign-in by code to the same phone, land on the same account.
    again = write(intake_sessions, lambda s: identities.account_for(s, issuer, claims).id)
    assert again == account.id
    assert sign_in(intake_sessions, intake_outbox, person.phone)["account"]["account_id"] == \
        str(account.id)
    session = write(intake_sessions, lambda s: devices.start(
        s, s.get(CitizenAccount, account.id), "OIDC", CLIENT))
    created = write(intake_sessions, lambda s: commands.create_application(
        s, intake_outbox, forms.application_payload("KTP_BARU", person, seed=11),
        session["token"]))
    write(intake_sessions, lambda s: commands.cancel(
        s, intake_outbox, created["id"], session["token"], "Salah pilih layanan"))
    with intake_sessions() as s:
        envelopes = [e for (e,) in s.execute(select(OUTBOX.c.envelope)).all()
                     if e["event_type"] == "application.status_changed"
                     and e["data"]["application_id"] == created["id"]]
    _, event = parse_envelope(envelopes[-1], "application.status_changed")
    assert event["accounts"] == [{"account_id": account.id, "role": "APPLICANT",
                                  "identities": [{"issuer": issuer,
                                                  "subject": "tahu-user-7501"}]}]
    assert event["recipient"]["channels"][0] == "WHATSAPP"


def test_a_verifiers_approval_of_what_the_account_filed_for_itself_verifies_its_nik(
    intake_sessions, intake_outbox
):
    person = forms.adult(7601)
    started = sign_in(intake_sessions, intake_outbox, person.phone)
    payload = forms.application_payload("KK_PERUBAHAN", person, seed=12)
    created = write(intake_sessions, lambda s: commands.create_application(
        s, intake_outbox, payload, started["token"]))
    app_id = created["id"]
    needed = get_service("KK_PERUBAHAN").documents_required_for(payload["form"])
    for doc_type in needed:
        write(intake_sessions, lambda s, d=doc_type: commands.attach_document(
            s, app_id, started["token"], {
                "doc_type": d, "object_key": f"applications/{app_id}/{d}/{uuid.uuid4()}",
                "content_type": "application/pdf", "size": 10, "sha256": "0" * 64}))
    write(intake_sessions, lambda s: commands.submit(s, intake_outbox, app_id, started["token"]))
    account = write(intake_sessions, lambda s: profile.view(
        credentials.principal(s, started["token"]).account))
    assert account["nik_verified"] is False
    write(intake_sessions, lambda s: consumers.apply_decision(s, intake_outbox, {
        "application_id": uuid.UUID(app_id), "round": 1, "decision": "APPROVE",
        "decided_at": datetime.now(UTC)}))
    account = write(intake_sessions, lambda s: profile.view(
        credentials.principal(s, started["token"]).account))
    assert account["nik_verified"] is True and account["nik_masked"].startswith(person.nik[:4])
