// Cekatan print desk (/petugas/cetak): the print and collection queue of the operator's own
// kecamatan (the account is bound to it), each job's temporary certificate (Suket) while it
// waits for blanko, and the kecamatan's blanko stock with receiving a delivery.

import { announce, clear, el, formatDateTime, nextId } from "./lib.js";
import { blobUrl, errorBox, setBusy, staffApi, startStaffPage, viewer } from "./staff-lib.js";

const root = document.getElementById("isi");
const STATE_LABELS = {
  QUEUED_AT_KECAMATAN: "Siap dicetak",
  AWAITING_BLANKO: "Menunggu blanko",
  PRINTED: "Dicetak, menunggu diambil",
  COLLECTED: "Sudah diambil",
};
const CARD_LABELS = { KTP_EL: "KTP-el", KIA: "KIA" };
const RESULT_MESSAGES = {
  PRINTED: "Dokumen ditandai sudah dicetak. Warga diberi tahu.",
  BLANKO_EMPTY: "Blanko habis: pekerjaan kembali menunggu blanko dan Suket diterbitkan.",
};

function jobRow(job, refresh, status, preview) {
  const step = (action, label) => {
    const button = el("button", { type: "button", class: "button secondary", dataset: { action } }, label);
    button.addEventListener("click", async () => {
      clear(status);
      button.disabled = true;
      try {
        const result = await staffApi("POST", `/api/v1/staff/print-jobs/${job.id}/${action}`, { body: {} });
        announce(RESULT_MESSAGES[result.result] || "Penyerahan dicatat. Warga diberi tahu.");
        await refresh();
      } catch (error) {
        clear(status, errorBox(error));
        button.disabled = false;
      }
    });
    return button;
  };
  const actions = [];
  if (job.state === "QUEUED_AT_KECAMATAN") actions.push(step("printed", "Sudah dicetak"));
  if (job.state === "PRINTED") actions.push(step("collected", "Sudah diambil"));
  if (job.suket_number) {
    const show = el("button", { type: "button", class: "button link" }, "Lihat Suket");
    show.addEventListener("click", async () => {
      clear(preview, el("p", { class: "loading", role: "status" }, "Memuat Suket…"));
      try {
        const { url, type } = await blobUrl(`/api/v1/staff/print-jobs/${job.id}/suket`);
        clear(preview, el("h2", { text: `Surat keterangan ${job.suket_number}` }),
          viewer(url, type || "application/pdf", `Suket ${job.suket_number}`));
      } catch (error) {
        clear(preview, errorBox(error));
      }
    });
    actions.push(show);
  }
  return el("tr", { dataset: { job: job.id, state: job.state } },
    el("td", {}, el("strong", { text: job.holder_name || "—" }), el("br"), el("span", { class: "code hint", text: job.tracking_code || "" })),
    el("td", {}, el("span", { class: "code", text: job.document_number }), el("br"),
      el("span", { class: "hint", text: job.card_type ? CARD_LABELS[job.card_type] || job.card_type : job.document_type })),
    el("td", { text: STATE_LABELS[job.state] || job.state }),
    el("td", { text: formatDateTime(job.printed_at || job.awaiting_since || job.queued_at) }),
    el("td", {}, ...actions.flatMap((a, i) => (i ? [" ", a] : [a]))));
}

function stockTable(stock) {
  return el("div", { class: "table-wrap" }, el("table", { id: "stok-blanko" },
    el("caption", { text: "Stok blanko" }),
    el("thead", {}, el("tr", {}, ["Jenis", "Sisa", "Menunggu blanko"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, stock.map((s) => el("tr", { dataset: { card: s.card_type } },
      el("td", { text: CARD_LABELS[s.card_type] || s.card_type }),
      el("td", { text: String(s.quantity) }),
      el("td", { text: String(s.waiting_jobs) }))))));
}

function receiveForm(kecamatan, refresh, status) {
  const cardId = nextId("jenis");
  const qtyId = nextId("jumlah");
  const card = el("select", { id: cardId, name: "card_type" },
    Object.entries(CARD_LABELS).map(([value, text]) => el("option", { value, text })));
  const quantity = el("input", { type: "number", id: qtyId, name: "quantity", min: "1", max: "100000", required: true, inputmode: "numeric" });
  const form = el("form", { class: "grid-2 filter-bar", id: "form-blanko" },
    el("div", { class: "field" }, el("div", { class: "control" }, el("label", { for: cardId, text: "Jenis blanko" }), card)),
    el("div", { class: "field" }, el("div", { class: "control" }, el("label", { for: qtyId, text: "Jumlah diterima" }), quantity)),
    el("div", { class: "button-row" }, el("button", { type: "submit", class: "button" }, "Catat penerimaan")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(status);
    try {
      const result = await staffApi("POST", `/api/v1/staff/blanko/${encodeURIComponent(kecamatan)}`, {
        body: { card_type: card.value, quantity: Number(quantity.value), kind: "RECEIVED" },
      });
      const released = (result.released_jobs || []).length;
      announce(`Penerimaan blanko dicatat${released ? `; ${released} pekerjaan dilepas ke antrean cetak` : ""}.`);
      form.reset();
      await refresh();
    } catch (error) {
      clear(status, errorBox(error));
    }
  });
  return form;
}

async function render() {
  const status = el("div", { id: "status-cetak" });
  const preview = el("div", { id: "pratinjau-suket", class: "scan-holder" });
  const body = el("div", { id: "antrean-cetak" });
  async function refresh() {
    setBusy(root, true);
    try {
      const queue = await staffApi("GET", "/api/v1/staff/print-queue");
      const jobs = queue.jobs || [];
      clear(body,
        el("p", { class: "lead", id: "kecamatan-desk", text: `Kecamatan ${queue.kecamatan_code}` }),
        jobs.length
          ? el("div", { class: "table-wrap" }, el("table", {},
            el("caption", { text: "Pekerjaan cetak" }),
            el("thead", {}, el("tr", {}, ["Pemilik", "Dokumen", "Status", "Sejak", "Tindakan"].map((h) => el("th", { scope: "col", text: h })))),
            el("tbody", {}, jobs.map((job) => jobRow(job, refresh, status, preview)))))
          : el("p", { id: "cetak-kosong", text: "Tidak ada dokumen yang menunggu dicetak atau diambil." }),
        el("h2", { text: "Blanko KTP-el dan KIA" }),
        stockTable(queue.stock || []),
        receiveForm(queue.kecamatan_code, refresh, status));
    } catch (error) {
      clear(body, errorBox(error));
    } finally {
      setBusy(root, false);
    }
  }
  clear(root, status, body, preview);
  await refresh();
}

if (startStaffPage({ needs: ["kecamatan_operator"] })) {
  render().catch((error) => clear(root, errorBox(error)));
}
