// Signer's desk (/petugas/tanda-tangan): drafts awaiting the electronic signature (TTE), a
// preview of each draft PDF, and signing a chosen batch (only with SIGNING_MODE=manual).

import { announce, clear, el, formatDateTime, nextId } from "./lib.js";
import { blobUrl, errorBox, setBusy, staffApi, startStaffPage, viewer } from "./staff-lib.js";

const root = document.getElementById("isi");
const MAX_BATCH = 50;
const RESULT_LABELS = {
  SIGNED: "Ditandatangani",
  ALREADY_SIGNED: "Sudah ditandatangani sebelumnya",
  NOT_AWAITING_SIGNATURE: "Tidak sedang menunggu tanda tangan",
  NOT_FOUND: "Tidak ditemukan",
  FAILED: "Gagal — coba lagi",
};

function resultTable(result) {
  return el(
    "div",
    { class: "table-wrap", id: "hasil-tte" },
    el("table", {},
      el("caption", { text: "Hasil tanda tangan" }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Nomor dokumen" }), el("th", { scope: "col", text: "Hasil" }))),
      el("tbody", {}, (result.results || []).map((r) =>
        el("tr", { dataset: { result: r.result } }, el("td", { class: "code", text: r.document_number }), el("td", { text: RESULT_LABELS[r.result] || r.result }))))),
  );
}

function render(queue, message) {
  const documents = queue.documents || [];
  const status = el("div", { id: "status-tte" }, message || null);
  if (!documents.length) {
    clear(root, status, el("div", { class: "notice notice-success", id: "tte-kosong" }, el("p", { text: "Tidak ada dokumen yang menunggu tanda tangan." })));
    return;
  }
  const preview = el("div", { id: "pratinjau", class: "scan-holder" });
  const rows = documents.map((d) => {
    const id = nextId("dok");
    const show = el("button", { type: "button", class: "button link" }, "Pratinjau");
    show.addEventListener("click", async () => {
      clear(preview, el("p", { class: "loading", role: "status" }, "Memuat draf…"));
      try {
        const { url, type } = await blobUrl(`/api/v1/staff/signing/${encodeURIComponent(d.document_number)}/draft`);
        clear(preview, el("h2", { text: `Draf ${d.document_number}` }), viewer(url, type || "application/pdf", `Draf ${d.document_number}`));
      } catch (error) {
        clear(preview, errorBox(error));
      }
    });
    return el("tr", {},
      el("td", {}, el("input", { type: "checkbox", id, name: "document_numbers", value: d.document_number, "aria-label": `Pilih ${d.document_number}` })),
      el("td", {}, el("label", { for: id, class: "code", text: d.document_number })),
      el("td", { text: d.document_type }),
      el("td", { text: `${d.holder_name || "—"}${d.nik_masked ? ` (${d.nik_masked})` : ""}` }),
      el("td", { text: formatDateTime(d.waiting_since) }),
      el("td", {}, show));
  });
  const allId = nextId("semua");
  const all = el("input", { type: "checkbox", id: allId });
  const button = el("button", { type: "submit", class: "button", id: "tandatangani" }, "Tandatangani yang dipilih");
  const form = el("form", { id: "form-tte" },
    el("div", { class: "check" }, all, el("label", { for: allId, text: `Pilih semua (paling banyak ${MAX_BATCH} per kali)` })),
    el("div", { class: "table-wrap" }, el("table", {},
      el("caption", { text: `${documents.length} dokumen menunggu tanda tangan` }),
      el("thead", {}, el("tr", {}, ["Pilih", "Nomor dokumen", "Jenis", "Pemilik", "Menunggu sejak", ""].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, rows))),
    el("p", { class: "hint", text: "Periksa draf sebelum menandatangani. Dokumen yang ditandatangani adalah draf yang sama persis, ditambah tanda tangan elektronik." }),
    el("div", { class: "button-row" }, button));
  all.addEventListener("change", () => {
    form.querySelectorAll('input[name="document_numbers"]').forEach((box, index) => {
      box.checked = all.checked && index < MAX_BATCH;
    });
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const numbers = [...form.querySelectorAll('input[name="document_numbers"]:checked')].map((b) => b.value);
    if (!numbers.length) {
      clear(status, errorBox({ message: "Pilih minimal satu dokumen." }));
      return;
    }
    button.disabled = true;
    setBusy(root, true);
    try {
      const result = await staffApi("POST", "/api/v1/staff/signing/batch", { body: { document_numbers: numbers } });
      const signed = (result.summary && result.summary.SIGNED) || 0;
      announce(`${signed} dokumen ditandatangani.`);
      const next = await staffApi("GET", "/api/v1/staff/signing/queue");
      render(next, el("div", {},
        el("div", { class: "notice notice-success", role: "status" }, el("p", { text: `${signed} dari ${numbers.length} dokumen berhasil ditandatangani.` })),
        resultTable(result)));
    } catch (error) {
      clear(status, errorBox(error));
      button.disabled = false;
    } finally {
      setBusy(root, false);
    }
  });
  clear(root, status, form, preview);
}

async function load() {
  setBusy(root, true);
  try {
    render(await staffApi("GET", "/api/v1/staff/signing/queue"));
  } catch (error) {
    if (error.status === 404 || error.status === 405) {
      clear(root, el("div", { class: "notice notice-warning" }, el("p", { text: "Penandatanganan manual belum tersedia di sistem ini. Dokumen ditandatangani otomatis." })));
    } else {
      clear(root, errorBox(error));
    }
  } finally {
    setBusy(root, false);
  }
}

if (startStaffPage({ needs: ["signer"] })) load();
