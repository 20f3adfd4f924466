// Complaint answering (/petugas/pengaduan): list by status, answer OPEN ones (emailed to the citizen).

import { announce, clear, el, formatDateTime, nextId } from "./lib.js";
import { busyLoad, staffApi, startStaffPage } from "./staff-lib.js";
import { controlField } from "./staff-ui.js";
import { COMPLAINT_STATUS_STAFF } from "./statuses.js";
import { busyWhile, button, buttonRow, errorBox, noticeBox, showErrorIn } from "./ui.js";

const root = document.getElementById("isi");

function answerForm(c, refresh) {
  const status = el("div");
  const text = el("textarea", { id: nextId("jawaban"), name: "answer", rows: 4, maxlength: 4000, required: true });
  const submit = button("Kirim jawaban", { type: "submit" });
  const form = el("form", {}, controlField("Jawaban untuk pelapor", text), buttonRow(submit), status);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const answer = text.value.trim();
    if (!answer) {
      clear(status, errorBox({ message: "Tulis jawaban terlebih dahulu." }));
      return;
    }
    busyWhile(submit, async () => {
      await staffApi("POST", `/api/v1/staff/complaints/${encodeURIComponent(c.tracking_code)}/answer`, { body: { answer } });
      announce("Jawaban terkirim.");
      await refresh();
    }, { onError: showErrorIn(status) });
  });
  return form;
}

function complaintCard(c, refresh) {
  const body = [
    el("h2", {}, el("span", { class: "code", text: c.tracking_code }), ` · ${c.kind_label || c.kind} · ${c.category_label || c.category}`),
    el("p", { class: "hint", text: `${c.name || ""}${c.email ? ` · ${c.email}` : ""} · ${formatDateTime(c.created_at)}${c.application_tracking_code ? ` · permohonan ${c.application_tracking_code}` : ""}` }),
    el("p", { class: "prewrap", text: c.message }),
  ];
  if (c.status !== "OPEN") {
    body.push(noticeBox("success", {}, el("p", { class: "prewrap", text: c.answer || "—" }), el("p", { class: "hint", text: `Dijawab ${formatDateTime(c.answered_at)}${c.answered_by ? ` oleh ${c.answered_by}` : ""}` })));
    return el("li", { class: "card" }, body);
  }
  return el("li", { class: "card", dataset: { tracking: c.tracking_code } }, body, answerForm(c, refresh));
}

function render() {
  const select = el("select", { id: nextId("status") }, Object.entries(COMPLAINT_STATUS_STAFF).map(([v, l]) => el("option", { value: v, text: l })));
  const list = el("div", { id: "daftar-pengaduan" });
  const refresh = () => busyLoad(root, list, async () => {
    const result = await staffApi("GET", `/api/v1/staff/complaints?status=${select.value}`);
    const items = result.complaints || [];
    clear(list, items.length ? el("ul", { class: "queue-list" }, items.map((c) => complaintCard(c, refresh))) : el("p", { text: "Tidak ada pengaduan dengan status ini." }));
  });
  select.addEventListener("change", refresh);
  clear(root, controlField("Tampilkan", select), list);
  refresh();
}

if (startStaffPage({ needs: ["verifier", "supervisor"] })) render();
