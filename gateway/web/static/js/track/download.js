// Downloading the issued PDF with the PIN from the separate email.

import { announce, api, clear, el, formatDateTime } from "../lib.js";
import { button, buttonRow, notice } from "../ui.js";
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

export function downloadSection(ctx) {
  const { view } = ctx;
  const result = el("div", { role: "status", "aria-live": "polite" });
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
    hint: "PIN dikirim dalam email terpisah dengan judul \u201cPIN unduh\u201d.",
  });
  const submit = button("Unduh dokumen (PDF)", { type: "submit" });
  const form = el("form", { novalidate: true }, wrapper, buttonRow(submit), result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const pin = input.value.trim();
    setFieldError(wrapper, []);
    clear(result);
    if (!/^\d{6}$/.test(pin)) {
      setFieldError(wrapper, ["PIN terdiri dari 6 angka."]);
      input.focus();
      return;
    }
    submit.disabled = true;
    result.append(el("p", { class: "loading", text: "Mengunduh…" }));
    try {
      // POST with the PIN in the body: a PIN never sits in a URL.
      const response = await api("POST", `/api/v1/applications/${ctx.id}/document`, {
        token: ctx.token,
        body: { pin },
        raw: true,
      });
      const blob = await response.blob();
      const name = `${view.document.document_number}.pdf`;
      const link = el("a", { href: URL.createObjectURL(blob), download: name, class: "button secondary" }, `Simpan ${name}`);
      clear(
        result,
        notice("success", el("p", {}, "Dokumen berhasil diunduh. Bila unduhan tidak mulai otomatis, tekan tombol ini:"), link),
      );
      link.click();
      announce("Dokumen berhasil diunduh.");
    } catch (error) {
      clear(result);
      const message = pinMessage(error);
      setFieldError(wrapper, [message]);
      input.focus();
      announce(message);
    } finally {
      submit.disabled = false;
    }
  });
  return section(
    "Unduh dokumen",
    el(
      "p",
      {},
      `Dokumen nomor ${view.document.document_number} terbit pada ${formatDateTime(view.document.issued_at)} dan ditandatangani secara elektronik. Kode QR di dokumen dapat dipindai untuk memeriksa keasliannya.`,
      // Cards are printed on security card stock at the kecamatan; other outputs on plain A4.
      (view.service || {}).output_card ? "" : " Cetak di kertas HVS A4 putih; dokumen ini sah tanpa cap basah.",
    ),
    form,
  );
}
