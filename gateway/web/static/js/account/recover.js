// Recovering a lost tracking link without an account (/pulihkan): the tracking code, then the
// code we send to the phone or email on the application; the answer is a new link (the old one
// stops working) kept on this device like any guest application.

import { api, clear, el, rememberApplication, trackingLink } from "../lib.js";
import { codeForm } from "./code-form.js";

const root = document.getElementById("isi");

function recoverForm() {
  return codeForm({
    field: {
      id: "kode-pelacakan", label: "Kode pelacakan", path: "tracking_code",
      hint: "Contoh: SLS-7K3M9Q2D, dari pesan saat Anda mengajukan.", attrs: { autocapitalize: "characters" },
    },
    confirmLabel: "Pulihkan akses",
    send: async (tracking) => (await api("POST", "/api/v1/recovery/code", { body: { tracking_code: tracking } })).message,
    confirm: async (tracking, code) => {
      const access = await api("POST", "/api/v1/recovery", { body: { tracking_code: tracking, code } });
      rememberApplication({ id: access.application_id, token: access.access_token, tracking_code: access.tracking_code });
      window.location.assign(trackingLink(access.application_id, access.access_token));
    },
  });
}

clear(root,
  el("p", { class: "lead", text: "Kehilangan tautan pelacakan? Masukkan kode pelacakan permohonan. Kami mengirim kode ke nomor ponsel atau email yang tercantum pada permohonan; dengan kode itu Anda mendapat tautan baru, dan tautan lama tidak berlaku lagi." }),
  el("div", { class: "card" }, recoverForm()),
  el("p", { class: "muted" }, "Punya akun? ", el("a", { href: "/masuk?next=/akun", text: "Masuk" }),
    " untuk melihat semua permohonan Anda tanpa tautan."));
