// Reason codes (/petugas/kode-alasan, role admin): the catalogue verifiers pick from when they
// reject or ask for a revision. Add a code, change its text or decisions, deactivate or
// reactivate it. Every change is recorded in the access log by the verification service.

import { announce, clear, el, formatDateTime } from "./lib.js";
import { busyLoad, staffApi, startStaffPage } from "./staff-lib.js";
import { checkboxes, checkedValues, controlField, submitting } from "./staff-ui.js";
import { DECISION_LABELS } from "./statuses.js";
import { busyWhile, button, dataTable, showErrorIn, successNotice } from "./ui.js";

const root = document.getElementById("isi");
// The decisions a code may be offered for; approving rarely needs a reason.
const DECISIONS = ["REJECT", "REQUEST_REVISION", "APPROVE"].map((value) =>
  [value, value === "APPROVE" ? `${DECISION_LABELS[value]} (opsional)` : DECISION_LABELS[value]]);

function field(label, control, hint) {
  return controlField(label, control, { hint, idPrefix: "alasan" });
}

function decisionChecks(name, checked = []) {
  return checkboxes("Berlaku untuk keputusan", name, DECISIONS, { checked });
}

function table(codes) {
  return dataTable(["Kode", "Teks untuk pemohon", "Keputusan", "Status", "Diubah", ""], codes.map((c) => {
    const status = el("span");
    const toggle = button(c.active ? "Nonaktifkan" : "Aktifkan", {
      kind: "link",
      onclick: () => busyWhile(toggle, async () => {
        await staffApi("PATCH", `/api/v1/staff/reason-codes/${encodeURIComponent(c.code)}`, { body: { active: !c.active } });
        await render(`Kode ${c.code} ${c.active ? "dinonaktifkan" : "diaktifkan kembali"}.`);
      }, { onError: showErrorIn(status) }),
    });
    return el("tr", { dataset: { code: c.code, active: String(c.active) } },
      el("td", { class: "code", text: c.code }), el("td", { text: c.text }),
      el("td", { text: c.decisions.map((d) => DECISION_LABELS[d] || d).join(", ") }),
      el("td", { text: c.active ? "Aktif" : "Nonaktif" }),
      el("td", { class: "hint", text: `${formatDateTime(c.updated_at)}${c.updated_by ? ` · ${c.updated_by}` : ""}` }),
      el("td", {}, toggle, status));
  }), { id: "tabel-alasan" });
}

function addForm() {
  const code = el("input", { type: "text", name: "code", required: true, maxlength: 60, pattern: "[A-Z][A-Z0-9_]{2,59}", autocomplete: "off" });
  const text = el("textarea", { name: "text", rows: 3, maxlength: 500, required: true });
  const form = el("form", { id: "form-alasan", novalidate: true },
    field("Kode", code, "Huruf besar, angka dan garis bawah, misalnya FOTO_TIDAK_JELAS."),
    field("Teks untuk pemohon", text, "Ditulis dalam bahasa Indonesia yang jelas; pemohon membacanya di pemberitahuan."),
    decisionChecks("decisions", ["REQUEST_REVISION"]));
  submitting(form, "Tambah kode alasan", async () => {
    const body = { code: code.value.trim().toUpperCase(), text: text.value.trim(), decisions: checkedValues(form, "decisions") };
    const created = await staffApi("POST", "/api/v1/staff/reason-codes", { body });
    await render(`Kode ${created.code} ditambahkan.`);
  });
  return el("section", { class: "card", id: "tambah-alasan" }, el("h2", { text: "Tambah kode alasan" }), form);
}

function editForm(codes) {
  const select = el("select", { name: "code" }, codes.map((c) => el("option", { value: c.code, text: c.code })));
  const text = el("textarea", { name: "text", rows: 3, maxlength: 500 });
  const checks = el("div");
  const form = el("form", { id: "form-ubah-alasan", novalidate: true }, field("Kode", select), field("Teks untuk pemohon", text), checks);
  function fill() {
    const current = codes.find((c) => c.code === select.value);
    if (!current) return;
    text.value = current.text;
    clear(checks, decisionChecks("edit_decisions", current.decisions));
  }
  select.addEventListener("change", fill);
  fill();
  submitting(form, "Simpan perubahan", async () => {
    const body = { text: text.value.trim(), decisions: checkedValues(form, "edit_decisions") };
    await staffApi("PATCH", `/api/v1/staff/reason-codes/${encodeURIComponent(select.value)}`, { body });
    await render(`Kode ${select.value} diperbarui.`);
  });
  return el("section", { class: "card", id: "ubah-alasan" }, el("h2", { text: "Ubah kode alasan" }), codes.length ? form : el("p", { text: "Belum ada kode alasan." }));
}

function render(message) {
  return busyLoad(root, root, async () => {
    const { codes } = await staffApi("GET", "/api/v1/staff/reason-codes?include_inactive=true");
    clear(root, message ? successNotice(message, { id: "pesan-alasan" }) : null,
      el("section", { class: "card", id: "daftar-alasan" }, el("h2", { text: "Daftar kode alasan" }), table(codes)),
      addForm(), editForm(codes));
    if (message) announce(message);
  });
}

if (startStaffPage({ needs: ["admin"] })) render(null);
