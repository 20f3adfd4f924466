// Staff login (/petugas): POST /api/v1/staff/session, keep the token in sessionStorage only.

import { announce, api, clear, el, nextId } from "./lib.js";
import { claims, landingFor, saveToken, setBusy } from "./staff-lib.js";
import { controlField } from "./staff-ui.js";
import { busyWhile, button, buttonRow, errorBox, noticeBox } from "./ui.js";

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
  const submit = button("Masuk", { type: "submit", id: "tombol-masuk" });
  const form = el("form", { id: "form-masuk", novalidate: true }, username, password, buttonRow(submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      username: form.elements.username.value.trim(),
      password: form.elements.password.value,
    };
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
        form.elements.password.value = "";
        clear(status, errorBox(error));
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
