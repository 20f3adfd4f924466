// The documents an application issues (a birth: the akta, the KK with the child, maybe the KIA),
// each with its status, and downloading each PDF with the one PIN from the separate email: the
// PIN opens every document of the application (docs/document-lifecycle.md).

import { announce, api, clear, el, formatDateTime } from "../lib.js";
import { button, notice } from "../ui.js";
import { plainField } from "../form/controls.js";
import { setFieldError } from "../form/errors.js";
import { section } from "./page.js";

function pinMessage(error) {
  if (error.code === "INVALID_PIN") {
    return "PIN salah. Periksa kembali PIN pada email dari Disdukcapil, lalu coba lagi.";
  }
  if (error.code === "PIN_LOCKED" || error.status === 429) {
    return "Unduhan dikunci sementara karena PIN salah dimasukkan terlalu sering. Coba lagi setelah 15 menit.";
  }
  return error.message;
}

const KIND_TEXT = { CORRECTION: "Pembetulan dari dokumen", REPRINT: "Cetak ulang dari dokumen" };

/** Whether a document is still on its way (planned or waiting for the signer). */
export function inProgress(doc) {
  return doc.state !== "ISSUED";
}

/** "Berlaku", "Diganti oleh <nomor>", "Dicabut" or "Sedang diterbitkan". */
export function statusText(doc) {
  if (inProgress(doc)) return "Sedang diterbitkan";
  if (doc.status === "REVOKED") return "Dicabut";
  if (doc.status === "SUPERSEDED") return doc.superseded_by ? `Diganti oleh ${doc.superseded_by}` : "Diganti";
  return "Berlaku";
}

function statusLine(doc) {
  const tone = inProgress(doc) ? "" : doc.status === "ACTIVE" ? " status-ISSUED" : " status-REJECTED";
  return el(
    "p",
    {},
    "Status: ",
    el("span", { class: `status-badge${tone}`, dataset: { status: doc.status || "" } }, statusText(doc)),
    doc.status === "REVOKED"
      ? el("span", { class: "revocation" }, ` sejak ${formatDateTime(doc.revoked_at)}. Alasan: ${doc.revocation_reason || "—"}`)
      : null,
  );
}

/** One document: its name, number, dates and status; `download` is its button (or null). */
function documentItem(doc, download, result) {
  return el(
    "li",
    { class: "card issued-document", dataset: { documentType: doc.document_type, documentNumber: doc.document_number || "" } },
    el("h3", { text: doc.label || doc.document_type }),
    el("p", {}, "Nomor: ", doc.document_number ? el("span", { class: "code", text: doc.document_number }) : el("span", { class: "muted", text: "menyusul" })),
    doc.issued_at && !inProgress(doc) ? el("p", { class: "muted", text: `Terbit ${formatDateTime(doc.issued_at)}` }) : null,
    KIND_TEXT[doc.kind] && doc.replaces ? el("p", { class: "muted", text: `${KIND_TEXT[doc.kind]} ${doc.replaces}` }) : null,
    statusLine(doc),
    doc.card && !inProgress(doc) && doc.status !== "REVOKED"
      ? el("p", { class: "hint", text: "Kartu fisik dicetak dan diambil di kantor kecamatan." })
      : null,
    download,
    result,
  );
}

/** The PIN field shared by every download button. */
function pinField() {
  const input = el("input", {
    type: "text",
    id: "pin",
    class: "pin-input",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    maxlength: 6,
    pattern: "[0-9]{6}",
    required: true,
  });
  const wrapper = plainField("PIN unduhan (6 digit)", input, {
    path: "pin",
    summaryLabel: "PIN",
    hint: "PIN dikirim dalam email terpisah dengan judul \u201cPIN unduh\u201d. Satu PIN membuka semua dokumen permohonan ini.",
  });
  return { input, wrapper };
}

/** Download one document: POST with the PIN in the body (a PIN never sits in a URL). */
async function download(ctx, doc, pin, trigger, result) {
  const { input, wrapper } = pin;
  const value = input.value.trim();
  setFieldError(wrapper, []);
  clear(result);
  if (!/^\d{6}$/.test(value)) {
    setFieldError(wrapper, ["PIN terdiri dari 6 angka."]);
    input.focus();
    return;
  }
  trigger.disabled = true;
  result.append(el("p", { class: "loading", text: "Mengunduh…" }));
  try {
    const number = doc.document_number;
    const response = await api(
      "POST",
      `/api/v1/applications/${encodeURIComponent(ctx.id)}/issued-documents/${encodeURIComponent(number)}`,
      { token: ctx.token, body: { pin: value }, raw: true },
    );
    const blob = await response.blob();
    const name = `${number}.pdf`;
    const link = el("a", { href: URL.createObjectURL(blob), download: name, class: "button secondary" }, `Simpan ${name}`);
    clear(
      result,
      notice("success", el("p", {}, "Dokumen berhasil diunduh. Bila unduhan tidak mulai otomatis, tekan tombol ini:"), link),
    );
    link.click();
    announce(`Dokumen ${doc.label || number} berhasil diunduh.`);
  } catch (error) {
    clear(result);
    const message = pinMessage(error);
    if (error.code === "INVALID_PIN" || error.code === "PIN_LOCKED" || error.status === 429) {
      setFieldError(wrapper, [message]);
      input.focus();
    } else {
      result.append(notice("error", el("p", { text: message })));
    }
    announce(message);
  } finally {
    trigger.disabled = false;
  }
}

/** Every document of the application, with the shared PIN field and one download each. */
export function downloadSection(ctx) {
  const documents = ctx.view.documents || [];
  const downloadable = documents.filter((d) => d.downloadable && d.document_number);
  const pin = pinField();
  const single = downloadable.length === 1;
  const items = documents.map((doc) => {
    if (!downloadable.includes(doc)) return documentItem(doc, null, null);
    const result = el("div", { role: "status", "aria-live": "polite" });
    const trigger = button(single ? "Unduh dokumen (PDF)" : `Unduh ${doc.label || doc.document_number} (PDF)`, {
      dataset: { download: doc.document_number },
    });
    trigger.addEventListener("click", () => download(ctx, doc, pin, trigger, result));
    return documentItem(doc, trigger, result);
  });
  const total = ctx.view.outputs_total ?? documents.length;
  const issued = ctx.view.outputs_issued ?? documents.filter((d) => !inProgress(d)).length;
  const onPaper = documents.some((d) => !d.card);
  return section(
    documents.length > 1 ? "Dokumen yang terbit" : "Unduh dokumen",
    issued < total
      ? notice("info", el("p", { id: "dokumen-progres", text: `Sedang diterbitkan: ${issued} dari ${total} dokumen sudah terbit.` }))
      : null,
    el(
      "p",
      {},
      "Dokumen ditandatangani secara elektronik. Kode QR di dokumen dapat dipindai untuk memeriksa keasliannya.",
      // Cards are printed on security card stock at the kecamatan; other outputs on plain A4.
      onPaper ? " Cetak dokumen di kertas HVS A4 putih; dokumen ini sah tanpa cap basah." : "",
    ),
    downloadable.length ? el("form", { novalidate: true, onsubmit: (event) => event.preventDefault() }, pin.wrapper) : null,
    el("ul", { class: "issued-list", id: "dokumen-terbit" }, items),
  );
}

/** The notice at the top of the page for each revoked document. */
export function revokedNotice(view) {
  const revoked = (view.documents || []).filter((d) => d.status === "REVOKED");
  if (!revoked.length) return null;
  return notice(
    "error",
    el("h2", { text: revoked.length > 1 ? "Dokumen dicabut" : `${revoked[0].label || "Dokumen"} dicabut` }),
    revoked.map((d) =>
      el(
        "p",
        { class: "revoked-document", dataset: { documentNumber: d.document_number || "" } },
        `Dokumen ${d.label || d.document_type} nomor ${d.document_number} dicabut: ${d.revocation_reason || "alasan tidak tersedia"}`,
        ` (${formatDateTime(d.revoked_at)}).`,
      ),
    ),
    el("p", {}, "Dokumen yang dicabut tidak berlaku dan tidak dapat diunduh lagi. Ajukan ",
      el("a", { href: "/layanan/PEMBETULAN", text: "pembetulan dokumen" }), " atau hubungi Disdukcapil."),
  );
}
