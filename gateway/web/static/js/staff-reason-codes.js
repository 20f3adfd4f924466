// Reason codes (/petugas/kode-alasan, role admin): the catalogue verifiers pick from when they
// reject or ask for a revision. Add a code, change its text or decisions, deactivate or
// reactivate it. Every change is recorded in the access log by the verification service.

import { announce, clear, el, formatDateTime, nextId } from "./lib.js";
import { errorBox, setBusy, staffApi, startStaffPage, submitting } from "./staff-lib.js";

const root = document.getElementById("isi");
const DECISIONS = [
  ["REJECT", "Tolak"],
  ["REQUEST_REVISION", "Minta perbaikan"],
  ["APPROVE", "Setujui (opsional)"],
];
const DECISION_LABEL = Object.fromEntries(DECISIONS.map(([v, l]) => [v, l.replace(" (opsional)", "")]));

function field(label, control, hint) {
  const id = control.id || nextId("alasan");
  control.id = id;
  return el("div", { class: "field" }, el("div", { class: "control" }, el("label", { for: id, text: label }), control), hint ? el("p", { class: "hint", text: hint }) : null);
}

function decisionChecks(name, checked = []) {
  return el("fieldset", { class: "field" }, el("legend", { text: "Berlaku untuk keputusan" }), DECISIONS.map(([value, label]) => {
    const id = nextId(name);
    return el("div", { class: "check" }, el("input", { type: "checkbox", id, name, value, checked: checked.includes(value) }), el("label", { for: id, text: label }));
  }));
}

function chosen(form, name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
}

function success(message) {
  return el("div", { class: "notice notice-success", id: "pesan-alasan", role: "status" }, el("p", { text: message }));
}

function table(codes) {
  return el("div", { class: "table-wrap" }, el("table", { id: "tabel-alasan" },
    el("thead", {}, el("tr", {}, ["Kode", "Teks untuk pemohon", "Keputusan", "Status", "Diubah", ""].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, codes.map((c) => {
      const status = el("span");
      const toggle = el("button", { type: "button", class: "button link" }, c.active ? "Nonaktifkan" : "Aktifkan");
      toggle.addEventListener("click", async () => {
        toggle.disabled = true;
        try {
          await staffApi("PATCH", `/api/v1/staff/reason-codes/${encodeURIComponent(c.code)}`, { body: { active: !c.active } });
          await render(`Kode ${c.code} ${c.active ? "dinonaktifkan" : "diaktifkan kembali"}.`);
        } catch (error) {
          clear(status, errorBox(error));
          toggle.disabled = false;
        }
      });
      return el("tr", { dataset: { code: c.code, active: String(c.active) } },
        el("td", { class: "code", text: c.code }), el("td", { text: c.text }),
        el("td", { text: c.decisions.map((d) => DECISION_LABEL[d] || d).join(", ") }),
        el("td", { text: c.active ? "Aktif" : "Nonaktif" }),
        el("td", { class: "hint", text: `${formatDateTime(c.updated_at)}${c.updated_by ? ` · ${c.updated_by}` : ""}` }),
        el("td", {}, toggle, status));
    }))));
}

function addForm() {
  const code = el("input", { type: "text", name: "code", required: true, maxlength: 60, pattern: "[A-Z][A-Z0-9_]{2,59}", autocomplete: "off" });
  const text = el("textarea", { name: "text", rows: 3, maxlength: 500, required: true });
  const form = el("form", { id: "form-alasan", novalidate: true },
    field("Kode", code, "Huruf besar, angka dan garis bawah, misalnya FOTO_TIDAK_JELAS."),
    field("Teks untuk pemohon", text, "Ditulis dalam bahasa Indonesia yang jelas; pemohon membacanya di pemberitahuan."),
    decisionChecks("decisions", ["REQUEST_REVISION"]));
  submitting(form, "Tambah kode alasan", async () => {
    const body = { code: code.value.trim().toUpperCase(), text: text.value.trim(), decisions: chosen(form, "decisions") };
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
    const body = { text: text.value.trim(), decisions: chosen(form, "edit_decisions") };
    await staffApi("PATCH", `/api/v1/staff/reason-codes/${encodeURIComponent(select.value)}`, { body });
    await render(`Kode ${select.value} diperbarui.`);
  });
  return el("section", { class: "card", id: "ubah-alasan" }, el("h2", { text: "Ubah kode alasan" }), codes.length ? form : el("p", { text: "Belum ada kode alasan." }));
}

async function render(message) {
  setBusy(root, true);
  try {
    const { codes } = await staffApi("GET", "/api/v1/staff/reason-codes?include_inactive=true");
    clear(root, message ? success(message) : null,
      el("section", { class: "card", id: "daftar-alasan" }, el("h2", { text: "Daftar kode alasan" }), table(codes)),
      addForm(), editForm(codes));
    if (message) announce(message);
  } catch (error) {
    clear(root, errorBox(error));
  } finally {
    setBusy(root, false);
  }
}

if (startStaffPage({ needs: ["admin"] })) render(null);
