// Signer's desk (/petugas/tanda-tangan): drafts awaiting the electronic signature (TTE), a
// preview of each draft PDF, and signing a chosen batch (only with SIGNING_MODE=manual).

import { announce, clear, el, formatDateTime, nextId } from "./lib.js";
import { busyLoad, setBusy, staffApi, startStaffPage } from "./staff-lib.js";
import { checkedValues, showPdf } from "./staff-ui.js";
import { SIGNING_RESULT, labelOf } from "./statuses.js";
import { busyWhile, button, buttonRow, dataTable, errorBox, noticeBox, showErrorIn, successNotice } from "./ui.js";

const root = document.getElementById("isi");
const MAX_BATCH = 50;

function resultTable(result) {
  return dataTable(["Nomor dokumen", "Hasil"], (result.results || []).map((r) =>
    el("tr", { dataset: { result: r.result } }, el("td", { class: "code", text: r.document_number }), el("td", { text: labelOf(SIGNING_RESULT, r.result) }))),
  { caption: "Hasil tanda tangan", wrap: { id: "hasil-tte" } });
}

function documentRow(d, preview) {
  const id = nextId("dok");
  const show = button("Pratinjau", {
    kind: "link",
    onclick: () => showPdf(preview, `/api/v1/staff/signing/${encodeURIComponent(d.document_number)}/draft`, {
      heading: `Draf ${d.document_number}`,
      title: `Draf ${d.document_number}`,
      busyText: "Memuat draf…",
    }),
  });
  return el("tr", {},
    el("td", {}, el("input", { type: "checkbox", id, name: "document_numbers", value: d.document_number, "aria-label": `Pilih ${d.document_number}` })),
    el("td", {}, el("label", { for: id, class: "code", text: d.document_number })),
    el("td", { text: d.document_type }),
    el("td", { text: `${d.holder_name || "—"}${d.nik_masked ? ` (${d.nik_masked})` : ""}` }),
    el("td", { text: formatDateTime(d.waiting_since) }),
    el("td", {}, show));
}

function render(queue, message) {
  const documents = queue.documents || [];
  const status = el("div", { id: "status-tte" }, message || null);
  if (!documents.length) {
    clear(root, status, noticeBox("success", { id: "tte-kosong" }, el("p", { text: "Tidak ada dokumen yang menunggu tanda tangan." })));
    return;
  }
  const preview = el("div", { id: "pratinjau", class: "scan-holder" });
  const allId = nextId("semua");
  const all = el("input", { type: "checkbox", id: allId });
  const submit = button("Tandatangani yang dipilih", { type: "submit", id: "tandatangani" });
  const form = el("form", { id: "form-tte" },
    el("div", { class: "check" }, all, el("label", { for: allId, text: `Pilih semua (paling banyak ${MAX_BATCH} per kali)` })),
    dataTable(["Pilih", "Nomor dokumen", "Jenis", "Pemilik", "Menunggu sejak", ""], documents.map((d) => documentRow(d, preview)),
      { caption: `${documents.length} dokumen menunggu tanda tangan` }),
    el("p", { class: "hint", text: "Periksa draf sebelum menandatangani. Dokumen yang ditandatangani adalah draf yang sama persis, ditambah tanda tangan elektronik." }),
    buttonRow(submit));
  all.addEventListener("change", () => {
    form.querySelectorAll('input[name="document_numbers"]').forEach((box, index) => {
      box.checked = all.checked && index < MAX_BATCH;
    });
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const numbers = checkedValues(form, "document_numbers");
    if (!numbers.length) {
      clear(status, errorBox({ message: "Pilih minimal satu dokumen." }));
      return;
    }
    setBusy(root, true);
    await busyWhile(submit, async () => {
      const result = await staffApi("POST", "/api/v1/staff/signing/batch", { body: { document_numbers: numbers } });
      const signed = (result.summary && result.summary.SIGNED) || 0;
      announce(`${signed} dokumen ditandatangani.`);
      const next = await staffApi("GET", "/api/v1/staff/signing/queue");
      render(next, el("div", {},
        successNotice(`${signed} dari ${numbers.length} dokumen berhasil ditandatangani.`),
        resultTable(result)));
    }, { onError: showErrorIn(status) });
    setBusy(root, false);
  });
  clear(root, status, form, preview);
}

function load() {
  return busyLoad(root, root, async () => render(await staffApi("GET", "/api/v1/staff/signing/queue")), {
    failed(error) {
      if (error.status === 404 || error.status === 405) {
        clear(root, noticeBox("warning", {}, el("p", { text: "Penandatanganan manual belum tersedia di sistem ini. Dokumen ditandatangani otomatis." })));
      } else {
        clear(root, errorBox(error));
      }
    },
  });
}

if (startStaffPage({ needs: ["signer"] })) load();
