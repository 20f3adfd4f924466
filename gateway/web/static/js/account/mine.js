// "Permohonan saya" of the signed-in account (/akun): every application it filed or is the
// subject of, from the server (GET /api/v1/me/applications), on any device; and attaching a
// guest application by a code sent to the contact on it.

import { clear, el, formatDate, formatDateTime } from "../lib.js";
import { statusBadge } from "../statuses.js";
import { buttonRow, errorNotice, itemList, loading, notice } from "../ui.js";
import { codeForm } from "./code-form.js";
import { RELATIONSHIPS, accountApi, root, show } from "./common.js";

function applicationCard(item) {
  const subject = item.subject || {};
  const who = [subject.name, subject.nik_masked].filter(Boolean).join(" · ");
  return [
    el("div", {},
      el("p", { class: "code", text: item.tracking_code }),
      el("p", {}, el("strong", { text: item.service_name }), " ",
        statusBadge("status", item.status, item.status_label)),
      el("p", { class: "muted" },
        item.role === "SUBJECT" ? "Diajukan oleh anggota keluarga untuk Anda: " : "Untuk: ",
        who,
        subject.relationship ? ` (${RELATIONSHIPS[subject.relationship] || subject.relationship})` : ""),
      item.fix_labels && item.fix_labels.length
        ? notice("warning", el("p", { text: `Perlu diperbaiki: ${item.fix_labels.join(", ")}` }))
        : null,
      (item.appointments || []).map((a) =>
        el("p", { text: `Jadwal ${a.location_name}: ${formatDate(a.date)}, pukul ${a.start_time} WIB` })),
      item.document_available ? el("p", { text: "Dokumen siap diunduh (dengan PIN dari pesan terpisah)." }) : null,
      el("p", { class: "muted", text: `Diperbarui ${formatDateTime(item.updated_at)}` })),
    buttonRow(el("a", {
      class: "button",
      href: `/permohonan#${new URLSearchParams({ id: item.application_id })}`,
      "aria-label": `Buka permohonan ${item.tracking_code}`,
      text: "Buka",
    })),
  ];
}

function attachForm(onDone) {
  return codeForm({
    field: {
      id: "kode-pelacakan-tautkan", label: "Kode pelacakan", path: "tracking_code",
      hint: "Contoh: SLS-7K3M9Q2D, dari pesan saat Anda mengajukan.", attrs: { autocapitalize: "characters" },
    },
    confirmLabel: "Tautkan",
    send: async (tracking) => (await accountApi("POST", "/api/v1/me/applications/attach-code", {
      body: { tracking_code: tracking },
    })).message,
    confirm: async (tracking, code) => {
      const item = await accountApi("POST", "/api/v1/me/applications/attach", { body: { tracking_code: tracking, code } });
      onDone(`Permohonan ${item.tracking_code} ditautkan ke akun Anda.`);
    },
  });
}

async function showMine(message = "") {
  root.setAttribute("aria-busy", "true");
  clear(root, loading());
  let answer;
  try {
    answer = await accountApi("GET", "/api/v1/me/applications");
  } catch (error) {
    show("/akun", errorNotice(error));
    return;
  }
  show(
    "/akun",
    message ? notice("success", el("p", { role: "status", text: message })) : null,
    el("section", { class: "section", "aria-labelledby": "judul-daftar" },
      el("h2", { id: "judul-daftar", text: "Permohonan di akun ini" }),
      itemList(answer.applications, applicationCard, {
        empty: "Belum ada permohonan. Pilih layanan di halaman depan untuk mengajukan.",
        id: "daftar-permohonan",
      }),
      el("p", {}, el("a", { class: "button secondary", href: "/", text: "Ajukan permohonan baru" }))),
    el("section", { class: "section", "aria-labelledby": "judul-tautkan" },
      el("h2", { id: "judul-tautkan", text: "Tautkan permohonan tanpa akun" }),
      el("p", { class: "hint", text: "Pernah mengajukan tanpa masuk? Kami mengirim kode ke nomor ponsel atau email yang tercantum pada permohonan itu." }),
      el("div", { class: "card" }, attachForm((text) => showMine(text)))),
  );
}

showMine();
