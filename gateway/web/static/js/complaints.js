// Complaints page (/pengaduan): file a complaint or feedback (POST /api/v1/complaints) and check
// its status and answer with the tracking code and access key (GET /api/v1/complaints/{code}).
// Filed complaints are kept on this device ("Pengaduan saya"), like applications are.

import {
  announce,
  api,
  clear,
  el,
  forgetComplaint,
  formatDateTime,
  myComplaints,
  nextId,
  rememberComplaint,
} from "./lib.js";
import { COMPLAINT_STATUS, labelOf, statusBadge } from "./statuses.js";
import { button, buttonRow, errorNotice, facts, itemList, notice } from "./ui.js";
import { codeInput, plainField } from "./form/controls.js";
import { setFieldError, summaryBox } from "./form/errors.js";
import { buildFields } from "./form/fields.js";
import { handleSubmit, reportFailure } from "./form/submit.js";

const root = document.getElementById("isi");

// Used when the categories endpoint cannot be reached; the API's own labels win otherwise.
const FALLBACK = {
  kinds: [
    { code: "COMPLAINT", label: "Pengaduan" },
    { code: "FEEDBACK", label: "Saran dan masukan" },
  ],
  categories: [
    { code: "LAYANAN_LAMBAT", label: "Layanan lambat" },
    { code: "PETUGAS", label: "Sikap atau pelayanan petugas" },
    { code: "APLIKASI_BERMASALAH", label: "Aplikasi bermasalah" },
    { code: "DOKUMEN_SALAH", label: "Kesalahan data pada dokumen" },
    { code: "SARAN", label: "Saran" },
    { code: "LAINNYA", label: "Lainnya" },
  ],
};

function kindControl(kinds) {
  const errorId = nextId("err");
  const node = el(
    "fieldset",
    { class: "field", dataset: { path: "kind", label: "Jenis" }, "aria-describedby": errorId },
    el("legend", { text: "Jenis" }),
    el("p", { class: "field-error", id: errorId, hidden: true }),
    kinds.map((kind, index) => {
      const id = `jenis-${kind.code.toLowerCase()}`;
      return el(
        "div",
        { class: "control check" },
        el("input", { type: "radio", name: "kind", id, value: kind.code, checked: index === 0 }),
        el("label", { for: id, text: kind.label }),
      );
    }),
  );
  return {
    node,
    value: () => (node.querySelector("input:checked") || {}).value,
    validate: () => (node.querySelector("input:checked") ? {} : { kind: ["Pilih salah satu."] }),
  };
}

function fileForm(options) {
  const summary = summaryBox();
  const kind = kindControl(options.kinds);
  const fields = buildFields(
    [
      {
        name: "category",
        label: "Kategori",
        type: "enum",
        required: true,
        options: options.categories.map((c) => ({ value: c.code, label: c.label })),
      },
      {
        name: "message",
        label: "Isi pengaduan atau saran",
        type: "text",
        required: true,
        min_length: 10,
        max_length: 2000,
        hint: "Ceritakan apa yang terjadi, kapan, dan di mana. Paling sedikit 10, paling banyak 2000 karakter.",
      },
      {
        name: "application_tracking_code",
        label: "Kode pelacakan permohonan",
        type: "string",
        required: false,
        max_length: 16,
        hint: "Bila terkait permohonan tertentu, misalnya SLS-7K3M9Q2D.",
      },
      { name: "name", label: "Nama", type: "string", required: true, max_length: 60, autocomplete: "name" },
      {
        name: "email",
        label: "Email",
        type: "email",
        required: true,
        hint: "Tanggapan petugas juga dikirim ke alamat ini.",
      },
      { name: "phone", label: "Nomor ponsel", type: "phone", required: false },
    ],
    { prefix: "" },
  );
  const submit = button("Kirim", { type: "submit", kind: "block" });
  const result = el("div", {});
  const form = el("form", { novalidate: true, "aria-labelledby": "judul-kirim" }, summary, kind.node, fields.node, submit);
  handleSubmit(form, summary, {
    validate: () => ({ ...kind.validate(), ...fields.validate() }),
    busy(state) {
      submit.disabled = state;
    },
    async send() {
      const body = { kind: kind.value(), ...fields.values() };
      if (body.application_tracking_code) body.application_tracking_code = body.application_tracking_code.toUpperCase();
      const filed = await api("POST", "/api/v1/complaints", { body });
      rememberComplaint({ tracking_code: filed.tracking_code, token: filed.access_token });
      const title = el("h3", { tabindex: "-1", text: "Terima kasih, pesan Anda sudah kami terima" });
      clear(
        result,
        notice(
          "success",
          title,
          el("p", {}, "Kode pengaduan: ", el("strong", { class: "code", id: "kode-pengaduan", text: filed.tracking_code })),
          el("p", {}, "Kunci akses: ", el("span", { class: "code", id: "kunci-pengaduan", text: filed.access_token })),
          el(
            "p",
            {},
            "Simpan kode dan kunci akses ini untuk melihat tanggapan petugas. Keduanya juga tersimpan di perangkat ini pada bagian \u201cPengaduan saya\u201d di bawah.",
          ),
        ),
      );
      form.reset();
      form.hidden = true;
      result.append(
        button("Kirim pengaduan atau saran lain", {
          kind: "secondary",
          onclick: () => {
            form.hidden = false;
            clear(result);
            form.querySelector("input, select, textarea").focus();
          },
        }),
      );
      renderMine();
      title.focus();
      announce(`Pengaduan terkirim dengan kode ${filed.tracking_code}.`);
    },
    failed: (failure) => reportFailure(form, summary, failure, { intro: false }),
  });
  return el(
    "section",
    { class: "section", "aria-labelledby": "judul-kirim" },
    el("h2", { id: "judul-kirim", text: "Kirim pengaduan atau saran" }),
    result,
    form,
  );
}

// --- status ------------------------------------------------------------------------------------

const mine = el("div", {});
const statusResult = el("div", { class: "complaint-result" });
let checkForm;

function complaintCard(complaint) {
  const status = labelOf(COMPLAINT_STATUS, complaint.status);
  return el(
    "div",
    { class: "card", id: "hasil-pengaduan" },
    el("h3", { tabindex: "-1" }, "Pengaduan ", el("span", { class: "code", text: complaint.tracking_code })),
    el("p", {}, "Status: ", statusBadge("complaint", complaint.status, status)),
    facts([
      ["Jenis", complaint.kind_label || complaint.kind],
      ["Kategori", complaint.category_label || complaint.category],
      ["Dikirim", formatDateTime(complaint.created_at)],
      complaint.application_tracking_code && ["Permohonan", complaint.application_tracking_code, { class: "code" }],
    ]),
    el("h4", { text: "Isi pesan" }),
    el("p", { class: "prewrap", text: complaint.message }),
    el("h4", { text: "Tanggapan petugas" }),
    complaint.answer
      ? el(
          "div",
          {},
          el("p", { class: "prewrap", text: complaint.answer }),
          el("p", { class: "muted", text: `Dijawab ${formatDateTime(complaint.answered_at)}` }),
        )
      : el("p", { class: "muted", text: "Belum ada tanggapan. Petugas akan menjawab secepatnya; Anda juga akan menerima email." }),
  );
}

async function check(code, token) {
  clear(statusResult, el("p", { class: "loading", text: "Memuat…" }));
  try {
    const complaint = await api("GET", `/api/v1/complaints/${encodeURIComponent(code)}`, { token });
    clear(statusResult, complaintCard(complaint));
    statusResult.querySelector("h3").focus();
    announce(`Status pengaduan ${complaint.tracking_code}: ${labelOf(COMPLAINT_STATUS, complaint.status)}.`);
  } catch (error) {
    const text =
      error.status === 403 || error.status === 404
        ? "Kode pengaduan atau kunci akses tidak cocok. Periksa kembali."
        : error.message;
    clear(statusResult, notice("error", el("p", { text })));
  }
}

function renderMine() {
  const saved = myComplaints();
  clear(
    mine,
    el("h3", { text: "Pengaduan saya" }),
    itemList(
      saved,
      (item) => [
        el("div", {}, el("span", { class: "code", text: item.tracking_code }), el("br"), el("span", { class: "muted", text: formatDateTime(item.saved_at) })),
        buttonRow(
          button("Lihat status", {
            kind: "secondary",
            "aria-label": `Lihat status pengaduan ${item.tracking_code}`,
            onclick: () => check(item.tracking_code, item.token),
          }),
          button("Hapus", {
            kind: "link danger",
            onclick: () => {
              forgetComplaint(item.tracking_code);
              renderMine();
              announce("Dihapus dari perangkat ini.");
            },
          }),
        ),
      ],
      { empty: "Belum ada pengaduan yang tersimpan di perangkat ini." },
    ),
  );
}

function statusSection() {
  const codeId = "cek-kode";
  const tokenId = "cek-kunci";
  const codeField = plainField("Kode pengaduan", codeInput(codeId), { path: "code", hint: "Misalnya ADU-7K3M9Q2D." });
  const tokenField = plainField("Kunci akses", codeInput(tokenId), { path: "token" });
  checkForm = el("form", { novalidate: true }, codeField, tokenField, buttonRow(button("Lihat status", { type: "submit" })));
  checkForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const code = checkForm.querySelector(`#${codeId}`).value.trim().toUpperCase();
    const token = checkForm.querySelector(`#${tokenId}`).value.trim();
    setFieldError(codeField, code ? [] : ["Wajib diisi."]);
    setFieldError(tokenField, token ? [] : ["Wajib diisi."]);
    if (!code) return checkForm.querySelector(`#${codeId}`).focus();
    if (!token) return checkForm.querySelector(`#${tokenId}`).focus();
    return check(code, token);
  });
  renderMine();
  return el(
    "section",
    { class: "section", "aria-labelledby": "judul-cek" },
    el("h2", { id: "judul-cek", text: "Cek status pengaduan" }),
    mine,
    el("h3", { text: "Cari dengan kode" }),
    checkForm,
    statusResult,
  );
}

async function main() {
  let options = FALLBACK;
  try {
    const answer = await api("GET", "/api/v1/complaints/categories");
    if (answer && answer.kinds && answer.categories) options = answer;
  } catch {
    options = FALLBACK;
  }
  clear(root, fileForm(options), statusSection());
}

main().catch((error) => clear(root, errorNotice(error)));
