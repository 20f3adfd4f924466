// Complaint answering (/petugas/pengaduan): list by status, answer OPEN ones (emailed to the citizen).

import { announce, clear, el, formatDateTime, nextId } from "./lib.js";
import { errorBox, setBusy, staffApi, startStaffPage } from "./staff-lib.js";

const root = document.getElementById("isi");
const STATUSES = [["OPEN", "Belum dijawab"], ["ANSWERED", "Sudah dijawab"], ["CLOSED", "Ditutup"]];

function complaintCard(c, refresh) {
  const body = [
    el("h2", {}, el("span", { class: "code", text: c.tracking_code }), ` · ${c.kind_label || c.kind} · ${c.category_label || c.category}`),
    el("p", { class: "hint", text: `${c.name || ""}${c.email ? ` · ${c.email}` : ""} · ${formatDateTime(c.created_at)}${c.application_tracking_code ? ` · permohonan ${c.application_tracking_code}` : ""}` }),
    el("p", { class: "prewrap", text: c.message }),
  ];
  if (c.status !== "OPEN") {
    body.push(el("div", { class: "notice notice-success" }, el("p", { class: "prewrap", text: c.answer || "—" }), el("p", { class: "hint", text: `Dijawab ${formatDateTime(c.answered_at)}${c.answered_by ? ` oleh ${c.answered_by}` : ""}` })));
    return el("li", { class: "card" }, body);
  }
  const id = nextId("jawaban");
  const status = el("div");
  const text = el("textarea", { id, name: "answer", rows: 4, maxlength: 4000, required: true });
  const button = el("button", { type: "submit", class: "button" }, "Kirim jawaban");
  const form = el("form", {}, el("div", { class: "field" }, el("div", { class: "control" }, el("label", { for: id, text: "Jawaban untuk pelapor" }), text)), el("div", { class: "button-row" }, button), status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = text.value.trim();
    if (!answer) {
      clear(status, errorBox({ message: "Tulis jawaban terlebih dahulu." }));
      return;
    }
    button.disabled = true;
    try {
      await staffApi("POST", `/api/v1/staff/complaints/${encodeURIComponent(c.tracking_code)}/answer`, { body: { answer } });
      announce("Jawaban terkirim.");
      await refresh();
    } catch (error) {
      clear(status, errorBox(error));
      button.disabled = false;
    }
  });
  body.push(form);
  return el("li", { class: "card", dataset: { tracking: c.tracking_code } }, body);
}

function render() {
  const selectId = nextId("status");
  const select = el("select", { id: selectId }, STATUSES.map(([v, l]) => el("option", { value: v, text: l })));
  const list = el("div", { id: "daftar-pengaduan" });
  async function refresh() {
    setBusy(root, true);
    try {
      const result = await staffApi("GET", `/api/v1/staff/complaints?status=${select.value}`);
      const items = result.complaints || [];
      clear(list, items.length ? el("ul", { class: "queue-list" }, items.map((c) => complaintCard(c, refresh))) : el("p", { text: "Tidak ada pengaduan dengan status ini." }));
    } catch (error) {
      clear(list, errorBox(error));
    } finally {
      setBusy(root, false);
    }
  }
  select.addEventListener("change", refresh);
  clear(root, el("div", { class: "field" }, el("div", { class: "control" }, el("label", { for: selectId, text: "Tampilkan" }), select)), list);
  refresh();
}

if (startStaffPage({ needs: ["verifier", "supervisor"] })) render();
