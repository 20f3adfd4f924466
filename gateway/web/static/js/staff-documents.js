// Issued documents (/petugas/dokumen, roles signer and supervisor): look a document up by its
// number, read its chain in the register (what it replaced, what superseded it) and revoke it
// with a reason. A revocation reaches everyone (docs/document-lifecycle.md): the citizen's
// download, the kecamatan print job, the citizen's channels and the public QR page.

import { announce, clear, el, formatDateTime } from "./lib.js";
import { busyLoad, setBusy, staffApi, startStaffPage } from "./staff-lib.js";
import { controlField } from "./staff-ui.js";
import { busyWhile, button, buttonRow, dataTable, errorBox, noticeBox, showErrorIn } from "./ui.js";

const root = document.getElementById("isi");
const REVOKERS = ["signer", "supervisor"];
const STATUS = { ACTIVE: "Berlaku", SUPERSEDED: "Diganti", REVOKED: "Dicabut" };
const KIND = { ORIGINAL: "Asli", CORRECTION: "Pembetulan", REPRINT: "Cetak ulang" };
const NUMBER = /^\d{4}-[A-Z][A-Z0-9_]*-\d{4}-\d{6}$/;

function historyTable(history, wanted) {
  const rows = history.map((d) => el("tr", {
    dataset: { document: d.document_number, status: d.status },
    class: d.document_number === wanted ? "current-row" : null,
  },
  el("td", {}, el("span", { class: "code", text: d.document_number }), el("br"), el("span", { class: "hint", text: d.document_type })),
  el("td", { text: KIND[d.kind] || d.kind }),
  el("td", { text: STATUS[d.status] || d.status }),
  el("td", { text: formatDateTime(d.issued_at) }),
  el("td", { text: d.superseded_by ? `Diganti oleh ${d.superseded_by}` : d.revoked_at ? `Dicabut ${formatDateTime(d.revoked_at)}` : "—" }),
  el("td", {}, el("span", { class: "code", text: d.tracking_code || "" }))));
  return dataTable(["Nomor", "Jenis terbitan", "Status", "Terbit", "Keterangan", "Permohonan"], rows,
    { caption: "Riwayat dokumen di register", id: "riwayat-dokumen" });
}

function revokeForm(number, onDone) {
  const reason = el("textarea", { id: "alasan-cabut", name: "reason", rows: 3, maxlength: 1000, required: true });
  const status = el("div", { class: "form-status", id: "status-cabut" });
  const submit = button("Cabut dokumen", { type: "submit", kind: "danger", id: "cabut" });
  const form = el("form", { class: "card", id: "form-cabut", novalidate: true },
    el("h2", { text: `Cabut dokumen ${number}` }),
    el("p", { class: "hint", text: "Warga diberi tahu alasannya. Dokumen tidak dapat diunduh lagi, pekerjaan cetak di kecamatan dibatalkan dan blanko yang dipesan kembali ke stok." }),
    controlField("Alasan pencabutan", reason), buttonRow(submit), status);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!reason.value.trim()) {
      clear(status, errorBox({ message: "Tulis alasan pencabutan." }));
      reason.focus();
      return;
    }
    busyWhile(submit, async () => {
      const result = await staffApi("POST", `/api/v1/staff/documents/${encodeURIComponent(number)}/revoke`,
        { body: { reason: reason.value.trim() } });
      const cancelled = result.print_job_state === "CANCELLED" ? " Pekerjaan cetak di kecamatan dibatalkan." : "";
      announce(`Dokumen ${number} dicabut.${cancelled}`);
      await onDone(`Dokumen ${number} dicabut.${cancelled}`);
    }, { onError: showErrorIn(status) });
  });
  return form;
}

function lookupForm(onLookup) {
  const number = el("input", { id: "nomor-dokumen", name: "number", required: true, maxlength: 40, autocomplete: "off", placeholder: "3211-KK-2026-000123" });
  const status = el("div", { class: "form-status" });
  const submit = button("Cari", { type: "submit", id: "cari-dokumen" });
  const form = el("form", { class: "card", id: "form-cari", novalidate: true },
    controlField("Nomor dokumen", number), buttonRow(submit), status);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = number.value.trim().toUpperCase();
    if (!NUMBER.test(value)) {
      clear(status, errorBox({ message: "Nomor dokumen tidak valid (contoh: 3211-KK-2026-000123)." }));
      return;
    }
    clear(status);
    busyWhile(submit, () => onLookup(value), { onError: showErrorIn(status), reenable: true });
  });
  return form;
}

function render() {
  const body = el("div", { id: "dokumen" });
  const show = (number, message) => busyLoad(root, body, async () => {
    const found = await staffApi("GET", `/api/v1/staff/documents/${encodeURIComponent(number)}/history`);
    const current = found.history.find((d) => d.document_number === number) || {};
    clear(body,
      message ? noticeBox("success", { role: "status" }, el("p", { text: message })) : null,
      historyTable(found.history, number),
      current.status === "ACTIVE"
        ? revokeForm(number, (done) => show(number, done))
        : el("p", { id: "tidak-dapat-dicabut", text: current.status === "SUPERSEDED"
          ? `Dokumen ini sudah diganti oleh ${current.superseded_by}: cabut dokumen yang terbaru bila perlu.`
          : "Dokumen ini sudah dicabut." }));
  });
  clear(root, lookupForm((number) => show(number)), body);
  setBusy(root, false);
  const wanted = new URLSearchParams(window.location.search).get("nomor");
  if (wanted && NUMBER.test(wanted)) {
    root.querySelector("#nomor-dokumen").value = wanted;
    show(wanted).catch((error) => clear(body, errorBox(error)));
  }
}

if (startStaffPage({ needs: REVOKERS })) render();
