// Staff login (/petugas): POST /api/v1/staff/session, keep the token in sessionStorage only.
// Accounts with an authenticator: the code field appears when the answer is TOTP_REQUIRED.

import { announce, api, clear, el, nextId } from "./lib.js";
import { claims, landingFor, saveToken, setBusy } from "./staff-lib.js";
import { controlField } from "./staff-ui.js";
import { busyWhile, button, buttonRow, errorBox, noticeBox } from "./ui.js";

// Answers after which the authenticator code is asked for (a locked account with one still gets in).
const NEEDS_CODE = new Set(["TOTP_REQUIRED", "TOTP_INVALID", "LOGIN_LOCKED"]);

const root = document.getElementById("isi");

function target(payload) {
  const back = new URLSearchParams(window.location.search).get("kembali") || "";
  // Only our own console pages, never another site or path.
  if (/^\/petugas\/[a-z0-9\-/]+$/.test(back)) return back;
  return landingFor(payload);
}

function field(label, attrs) {
  return controlField(label, el("input", { id: nextId("masuk"), ...attrs }));
}

function render() {
  const current = claims();
  const status = el("div", { id: "hasil-masuk" });
  const username = field("Nama pengguna", {
    name: "username", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false",
  });
  const password = field("Kata sandi", {
    name: "password", type: "password", autocomplete: "current-password", required: true,
  });
  const code = field("Kode autentikator", {
    name: "totp", inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9 ]{6,8}", maxlength: "8",
  });
  code.hidden = true;
  const submit = button("Masuk", { type: "submit", id: "tombol-masuk" });
  const form = el("form", { id: "form-masuk", novalidate: true }, username, password, code, buttonRow(submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      username: form.elements.username.value.trim(),
      password: form.elements.password.value,
    };
    const totp = form.elements.totp.value.trim();
    if (!code.hidden && totp) body.totp = totp;
    if (!body.username || !body.password) {
      clear(status, errorBox({ message: "Isi nama pengguna dan kata sandi." }));
      return;
    }
    setBusy(root, true);
    await busyWhile(submit, async () => {
      const result = await api("POST", "/api/v1/staff/session", { body });
      saveToken(result.token);
      announce("Berhasil masuk.");
      window.location.assign(target(claims(result.token)));
    }, {
      onError(error) {
        form.elements.totp.value = "";
        if (error.code === "LOGIN_DELAYED") {
          // The message says how long to wait; the password stays for the next try.
          clear(status, noticeBox("warning", { role: "alert", dataset: { code: error.code } },
            el("p", { text: error.message })));
          return;
        }
        if (NEEDS_CODE.has(error.code)) {
          code.hidden = false;
          form.elements.totp.focus();
        }
        if (!["TOTP_REQUIRED", "TOTP_INVALID"].includes(error.code)) form.elements.password.value = "";
        clear(status, error.code === "TOTP_REQUIRED"
          ? noticeBox("info", { role: "alert", dataset: { code: error.code } },
            el("p", { text: "Akun ini memakai autentikator. Masukkan kode 6 angka dari aplikasi autentikator Anda, lalu tekan Masuk." }))
          : errorBox(error));
      },
    });
    setBusy(root, false);
  });
  clear(
    root,
    current
      ? noticeBox("info", {}, el("p", {}, `Anda sudah masuk sebagai ${current.username}. `, el("a", { href: target(current) }, "Lanjut ke konsol")))
      : null,
    status,
    form,
    el("p", { class: "hint" }, "Akun petugas dibuat oleh admin. Jangan bagikan kata sandi; setiap tindakan tercatat atas nama Anda."),
  );
  setBusy(root, false);
}

render();
