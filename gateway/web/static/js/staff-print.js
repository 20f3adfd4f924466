// Cekatan print desk (/petugas/cetak): the print and collection queue of the operator's own
// kecamatan (the account is bound to it), each job's temporary certificate (Suket) while it
// waits for blanko, and the kecamatan's blanko stock with receiving a delivery.

import { announce, clear, el, formatDateTime, nextId } from "./lib.js";
import { busyLoad, staffApi, startStaffPage } from "./staff-lib.js";
import { controlField, showPdf } from "./staff-ui.js";
import { CARD_LABELS, PRINT_JOB_STATE, labelOf } from "./statuses.js";
import { busyWhile, button, buttonRow, dataTable, errorBox, showErrorIn } from "./ui.js";

const root = document.getElementById("isi");
const RESULT_MESSAGES = {
  PRINTED: "Dokumen ditandai sudah dicetak. Warga diberi tahu.",
  BLANKO_EMPTY: "Blanko habis: pekerjaan kembali menunggu blanko dan Suket diterbitkan.",
};

function jobRow(job, refresh, status, preview) {
  const step = (action, label) => {
    const trigger = button(label, {
      kind: "secondary",
      dataset: { action },
      onclick: () => {
        clear(status);
        busyWhile(
          trigger,
          async () => {
            const result = await staffApi("POST", `/api/v1/staff/print-jobs/${job.id}/${action}`, { body: {} });
            announce(RESULT_MESSAGES[result.result] || "Penyerahan dicatat. Warga diberi tahu.");
            await refresh();
          },
          { onError: showErrorIn(status) },
        );
      },
    });
    return trigger;
  };
  const actions = [];
  if (job.state === "QUEUED_AT_KECAMATAN") actions.push(step("printed", "Sudah dicetak"));
  if (job.state === "PRINTED") actions.push(step("collected", "Sudah diambil"));
  if (job.suket_number) {
    actions.push(button("Lihat Suket", {
      kind: "link",
      onclick: () => showPdf(preview, `/api/v1/staff/print-jobs/${job.id}/suket`, {
        heading: `Surat keterangan ${job.suket_number}`,
        title: `Suket ${job.suket_number}`,
        busyText: "Memuat Suket…",
      }),
    }));
  }
  return el("tr", { dataset: { job: job.id, state: job.state } },
    el("td", {}, el("strong", { text: job.holder_name || "—" }), el("br"), el("span", { class: "code hint", text: job.tracking_code || "" })),
    el("td", {}, el("span", { class: "code", text: job.document_number }), el("br"),
      el("span", { class: "hint", text: job.card_type ? labelOf(CARD_LABELS, job.card_type) : job.document_type })),
    el("td", { text: labelOf(PRINT_JOB_STATE, job.state) }),
    el("td", { text: formatDateTime(job.printed_at || job.awaiting_since || job.queued_at) }),
    el("td", {}, ...actions.flatMap((a, i) => (i ? [" ", a] : [a]))));
}

// The blanko kinds are those printing keeps stock of (its stock rows); CARD_LABELS only names them.
function stockTable(stock) {
  return dataTable(["Jenis", "Sisa", "Menunggu blanko"], stock.map((s) => el("tr", { dataset: { card: s.card_type } },
    el("td", { text: labelOf(CARD_LABELS, s.card_type) }),
    el("td", { text: String(s.quantity) }),
    el("td", { text: String(s.waiting_jobs) }))), { id: "stok-blanko", caption: "Stok blanko" });
}

function stockHeading(stock) {
  const names = stock.map((s) => labelOf(CARD_LABELS, s.card_type));
  return names.length ? `Blanko ${new Intl.ListFormat("id", { type: "conjunction" }).format(names)}` : "Blanko";
}

function receiveForm(kecamatan, stock, refresh, status) {
  const card = el("select", { id: nextId("jenis"), name: "card_type" },
    stock.map((s) => el("option", { value: s.card_type, text: labelOf(CARD_LABELS, s.card_type) })));
  const quantity = el("input", { type: "number", id: nextId("jumlah"), name: "quantity", min: "1", max: "100000", required: true, inputmode: "numeric" });
  const form = el("form", { class: "grid-2 filter-bar", id: "form-blanko" },
    controlField("Jenis blanko", card),
    controlField("Jumlah diterima", quantity),
    buttonRow(button("Catat penerimaan", { type: "submit" })));
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
  const refresh = () => busyLoad(root, body, async () => {
    const queue = await staffApi("GET", "/api/v1/staff/print-queue");
    const jobs = queue.jobs || [];
    const stock = queue.stock || [];
    clear(body,
      el("p", { class: "lead", id: "kecamatan-desk", text: `Kecamatan ${queue.kecamatan_code}` }),
      jobs.length
        ? dataTable(["Pemilik", "Dokumen", "Status", "Sejak", "Tindakan"], jobs.map((job) => jobRow(job, refresh, status, preview)),
          { caption: "Pekerjaan cetak" })
        : el("p", { id: "cetak-kosong", text: "Tidak ada dokumen yang menunggu dicetak atau diambil." }),
      el("h2", { text: stockHeading(stock) }),
      stockTable(stock),
      receiveForm(queue.kecamatan_code, stock, refresh, status));
  });
  clear(root, status, body, preview);
  await refresh();
}

if (startStaffPage({ needs: ["kecamatan_operator"] })) {
  render().catch((error) => clear(root, errorBox(error)));
}
