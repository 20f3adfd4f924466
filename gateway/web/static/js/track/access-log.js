// "Riwayat akses data Anda": who opened or acted on the citizen's file (UU PDP). Loaded after
// the rest of the page so a slow log never holds up the status.

import { api, clear, el, formatDateTime } from "../lib.js";
import { section } from "./page.js";

function entryItem(entry, withNames) {
  const who = `${entry.office_name} — ${(entry.role_labels || []).join(", ")}`;
  return el(
    "li",
    { class: "access-entry" },
    el("strong", { text: entry.action_label }),
    el("br"),
    el("span", { class: "muted", text: `${formatDateTime(entry.at)} · ${who}` }),
    withNames && entry.username ? el("span", { class: "muted", text: ` · ${entry.username}` }) : null,
  );
}

export function accessLogSection(ctx) {
  const body = el("div", { id: "riwayat-akses-isi" }, el("p", { class: "muted", text: "Memuat…" }));
  const node = section(
    "Riwayat akses data Anda",
    el("p", { text: "Setiap kali petugas membuka atau memproses data permohonan ini, tercatat di sini: kapan, kantor dan peran petugas, serta tindakannya." }),
    body,
  );
  node.id = "riwayat-akses";
  api("GET", `/api/v1/applications/${encodeURIComponent(ctx.id)}/access-log`, { token: ctx.token })
    .then((log) => {
      const entries = log.entries || [];
      clear(
        body,
        entries.length
          ? el("ul", { class: "doc-list" }, entries.map((e) => entryItem(e, log.staff_names_shown)))
          : el("p", { class: "muted", text: "Belum ada petugas yang membuka data Anda." }),
      );
    })
    .catch(() => clear(body, el("p", { class: "muted", text: "Riwayat akses belum dapat dimuat. Coba lagi nanti." })));
  return node;
}
