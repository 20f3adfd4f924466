// Sign-in page (/masuk): a phone number or email, then the 6-digit code we send to it
// (POST /api/v1/auth/code, then /api/v1/auth/session with mode=cookie: the session stays in an
// HttpOnly cookie). Or sign in with the regency super-app (Tahu Sumedang) by OpenID Connect.

import { announce, api, clear, el } from "../lib.js";
import { button, buttonRow, notice } from "../ui.js";
import { codeInput, plainField } from "../form/controls.js";
import { clearErrors, showErrors, summaryBox } from "../form/errors.js";

const root = document.getElementById("isi");
const params = new URLSearchParams(window.location.search);

/** Only a path on this site (never "//other.site"), so a link cannot send anyone elsewhere. */
function nextPath() {
  const next = params.get("next") || "/akun";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/akun";
}

function failedNotice() {
  if (params.get("gagal") !== "oidc") return null;
  return notice("error", el("p", {
    text: "Masuk dengan Tahu Sumedang tidak berhasil. Silakan coba lagi, atau masuk dengan kode di bawah ini.",
  }), params.get("kode") ? el("p", { class: "muted", text: `Kode: ${params.get("kode")}` }) : null);
}

function errorsOf(error) {
  const fields = error.fields && Object.keys(error.fields).length ? error.fields : null;
  return fields || { identifier: [error.message] };
}

function identifierStep() {
  const summary = summaryBox();
  const identifier = codeInput("identitas", { autocomplete: "username", inputmode: "email" });
  const sms = el("input", { type: "checkbox", id: "lewat-sms" });
  const submit = button("Kirim kode", { type: "submit" });
  const form = el(
    "form",
    { novalidate: true },
    summary,
    plainField("Nomor ponsel atau email", identifier, {
      path: "identifier",
      hint: "Contoh: 081234567890 atau nama@contoh.id. Kode dikirim lewat WhatsApp (nomor ponsel) atau email.",
    }),
    el("div", { class: "control check" }, sms, el("label", { for: "lewat-sms", text: "Kirim lewat SMS, bukan WhatsApp" })),
    buttonRow(submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form, summary);
    const value = identifier.value.trim();
    if (!value) {
      showErrors(form, summary, { identifier: ["Wajib diisi."] });
      return;
    }
    submit.disabled = true;
    try {
      const sent = await api("POST", "/api/v1/auth/code", {
        body: { identifier: value, channel: sms.checked ? "SMS" : null },
      });
      codeStep(value, sent);
    } catch (error) {
      submit.disabled = false;
      showErrors(form, summary, errorsOf(error));
    }
  });
  return form;
}

function codeStep(identifier, sent) {
  const summary = summaryBox();
  const code = codeInput("kode", { inputmode: "numeric", autocomplete: "one-time-code", maxlength: "6" });
  const submit = button("Masuk", { type: "submit" });
  const form = el(
    "form",
    { novalidate: true },
    notice("info", el("p", {
      text: `Kode 6 angka telah dikirim lewat ${sent.channel === "EMAIL" ? "email" : sent.channel === "SMS" ? "SMS" : "WhatsApp"} ke ${sent.destination}. Kode berlaku 5 menit.`,
    })),
    summary,
    plainField("Kode masuk", code, { path: "code", hint: "Jangan berikan kode ini kepada siapa pun, termasuk petugas." }),
    buttonRow(submit, button("Ganti nomor atau email", { kind: "secondary", onclick: showStart })),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form, summary);
    submit.disabled = true;
    try {
      await api("POST", "/api/v1/auth/session", {
        body: { identifier, code: code.value.trim(), mode: "cookie" },
      });
      announce("Berhasil masuk.");
      window.location.assign(nextPath());
    } catch (error) {
      submit.disabled = false;
      showErrors(form, summary, error.fields && error.fields.code ? { code: error.fields.code } : { code: [error.message] });
    }
  });
  clear(root, form);
  code.focus();
  announce("Kode telah dikirim. Masukkan kode yang Anda terima.");
}

function showStart() {
  clear(
    root,
    failedNotice(),
    el("p", { class: "lead", text: "Masuk untuk melihat semua permohonan Anda dan keluarga di perangkat mana pun. Tanpa kata sandi: kami mengirim kode sekali pakai." }),
    identifierStep(),
    el("section", { class: "section" },
      el("h2", { text: "Pengguna Tahu Sumedang" }),
      el("p", {}, el("a", {
        class: "button secondary",
        href: `/auth/oidc/login?${new URLSearchParams({ next: nextPath() })}`,
        text: "Masuk dengan Tahu Sumedang",
      }))),
    el("p", { class: "muted" }, "Tidak ingin membuat akun? Anda tetap dapat ",
      el("a", { href: "/", text: "mengajukan permohonan tanpa masuk" }), "."),
  );
}

showStart();
