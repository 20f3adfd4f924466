// Apply page (/layanan/<code>): the form built from the service's form_schema, the applicant
// block and the document uploads. POST /applications, PUT each scan (with progress), then
// POST /submit; the tracking link (token in the fragment) is shown and kept on this device.

import {
  announce,
  api,
  clear,
  copyText,
  el,
  humanize,
  rememberApplication,
  signedIn,
  trackingLink,
  workingDays,
} from "./lib.js";
import { button, buttonRow, errorNotice, facts, notice } from "./ui.js";
import { buildDocumentInputs, documentRequired, uploadChosen } from "./form/documents.js";
import { summaryBox } from "./form/errors.js";
import { buildFields } from "./form/fields.js";
import { addFamilyPrefill } from "./form/prefill.js";
import { busyButton, handleSubmit, reportFailure } from "./form/submit.js";
import {
  APPLICANT_FIELDS,
  contactErrors,
  forWhomChoice,
  RELATIONSHIPS,
  REPORTER_FIELDS,
} from "./form/applicant.js";

const root = document.getElementById("isi");
const heading = document.getElementById("judul");

function serviceCode() {
  const parts = window.location.pathname.split("/").filter(Boolean);
  return decodeURIComponent(parts[1] || "");
}

function intro(service) {
  const visits = service.presence || [];
  return el(
    "div",
    { class: "card" },
    el("p", { text: service.description || "" }),
    facts([
      ["Waktu layanan", workingDays(service.target_working_days)],
      ["Biaya", "Gratis"],
      [
        "Datang langsung",
        visits.length
          ? `Ya, untuk: ${visits.map((v) => v.label).join("; ")}. Jadwalnya dapat dipesan setelah permohonan diajukan.`
          : "Tidak perlu. Seluruh proses dilakukan secara daring.",
      ],
    ]),
  );
}

function section(title, ...children) {
  return el("fieldset", { class: "section" }, el("legend", { text: title }), ...children);
}

function successPanel(service, created, contact) {
  const link = trackingLink(created.id, created.access_token);
  const linkId = "tautan-pelacakan";
  const copied = el("span", { role: "status", class: "muted" });
  const title = el("h2", { tabindex: "-1", text: "Permohonan berhasil diajukan" });
  const panel = el(
    "div",
    {},
    notice(
      "success",
      title,
      el("p", {}, "Kode pelacakan Anda:"),
      el("p", { class: "code big-code", id: "kode-pelacakan", text: created.tracking_code }),
      el(
        "p",
        {},
        `Permohonan ${service.name} sedang menunggu pemeriksaan petugas. Pemberitahuan setiap perubahan status dikirim ke ${contact}.`,
      ),
    ),
    el(
      "div",
      { class: "card" },
      el("h2", { text: "Simpan tautan pelacakan" }),
      el(
        "p",
        {},
        "Tautan ini adalah kunci untuk melihat, memperbaiki, dan mengunduh dokumen permohonan Anda. Simpan baik-baik dan jangan dibagikan kepada orang lain.",
      ),
      el("label", { for: linkId, class: "visually-hidden", text: "Tautan pelacakan" }),
      el("input", { type: "text", id: linkId, readonly: true, value: link, class: "code" }),
      buttonRow(
        button("Salin tautan", {
          kind: "secondary",
          onclick: async () => {
            const ok = await copyText(link);
            copied.textContent = ok
              ? "Tautan disalin."
              : "Tidak dapat menyalin otomatis; pilih dan salin tautan di atas.";
          },
        }),
        el("a", { class: "button", href: link, id: "lihat-status" }, "Lihat status permohonan"),
        copied,
      ),
      el(
        "p",
        { class: "muted" },
        signedIn()
          ? "Permohonan ini tersimpan di akun Anda: buka \u201cAkun saya\u201d dari perangkat mana pun."
          : "Permohonan ini juga tersimpan di perangkat ini, di halaman Lacak permohonan bagian \u201cPermohonan saya\u201d.",
      ),
    ),
  );
  return { panel, title };
}

function render(service, documentTypes) {
  document.title = `${service.name} — Ajukan permohonan — Silasidakep`;
  heading.textContent = `Ajukan: ${service.name}`;
  const schema = service.form_schema || {};
  const fieldsSpec = schema.fields || [];
  const vocabularies = schema.vocabularies || {};

  const summary = summaryBox({ id: "ringkasan" });
  const applicant = buildFields(APPLICANT_FIELDS, { prefix: "applicant" });
  const reporter = buildFields(REPORTER_FIELDS, { prefix: "reporter", vocabularies: { relationship: RELATIONSHIPS } });
  const forWhom = forWhomChoice();
  const reporterBlock = el("div", { hidden: true, id: "data-pelapor" },
    el("p", { class: "hint", text: "Data Anda sebagai pelapor. Petugas memeriksa hubungan keluarga dengan Kartu Keluarga." }),
    reporter.node);
  forWhom.onChange((family) => {
    reporterBlock.hidden = !family;
  });
  const form = buildFields(fieldsSpec, { prefix: "form", vocabularies, documentTypes });
  // A signed-in citizen on the KK may fill the family from the last KK issued for it.
  if (signedIn()) addFamilyPrefill(form, (kk) => api("GET", `/api/v1/account/families/${encodeURIComponent(kk)}`));
  const labelOf = (name) => (fieldsSpec.find((f) => f.name === name) || {}).label || name;
  const documents = buildDocumentInputs(service.required_documents || [], {
    required: (doc) => documentRequired(doc, form.values()),
    note: (doc) =>
      doc.required_when
        ? `wajib bila ${labelOf(doc.required_when.field).toLowerCase()}: ${humanize(doc.required_when.equals).toLowerCase()}`
        : "",
  });
  const consentId = "pernyataan";
  const consent = el(
    "div",
    { class: "field", dataset: { path: "consent", label: "Pernyataan" } },
    el("p", { class: "field-error", id: `${consentId}-error`, hidden: true }),
    el(
      "div",
      { class: "control check" },
      el("input", {
        type: "checkbox",
        id: consentId,
        required: true,
        "aria-describedby": `${consentId}-error`,
      }),
      el(
        "label",
        { for: consentId },
        "Saya menyatakan bahwa data dan dokumen yang saya kirim benar dan milik saya atau keluarga saya.",
      ),
    ),
  );
  const progress = el("div", { class: "progress-text", role: "status", "aria-live": "polite" });
  const submit = button("Ajukan permohonan", { type: "submit", kind: "block" });
  const draftNote = el("div", { hidden: true });

  const formNode = el(
    "form",
    { novalidate: true, "aria-labelledby": "judul" },
    summary,
    draftNote,
    section("Untuk siapa permohonan ini?", forWhom.node, reporterBlock),
    section("Data pemohon", el("p", { class: "hint", text: "Orang yang dokumennya diurus. Bila untuk anggota keluarga, isi data anggota keluarga itu di sini." }), applicant.node),
    section("Data permohonan", form.node),
    section(
      "Dokumen persyaratan",
      el(
        "p",
        { class: "hint" },
        "Foto atau pindaian dokumen asli, jelas dan terbaca. PDF, JPEG, atau PNG, paling besar 5 MB per berkas.",
      ),
      documents.node,
    ),
    section("Pernyataan", consent),
    progress,
    submit,
  );
  form.node.addEventListener("change", () => documents.refresh());
  clear(root, intro(service), formNode);

  let created = null;
  const step = (text) => {
    progress.textContent = text;
  };
  const busy = busyButton(formNode, submit);

  handleSubmit(formNode, summary, {
    validate() {
      const errors = {
        ...(created ? {} : applicant.validate()),
        ...(created ? {} : contactErrors(applicant.values())),
        ...(created || !forWhom.family() ? {} : reporter.validate()),
        ...form.validate(),
        ...documents.validate(),
      };
      if (!formNode.querySelector(`#${consentId}`).checked) {
        errors.consent = ["Centang pernyataan ini untuk melanjutkan."];
      }
      return errors;
    },
    busy(state) {
      busy(state);
      submit.textContent = state ? "Sedang diproses…" : created ? "Lanjutkan pengajuan" : "Ajukan permohonan";
    },
    async send() {
      if (!created) {
        step("Menyimpan permohonan…");
        created = await api("POST", "/api/v1/applications", {
          body: {
            service_code: service.code,
            applicant: applicant.values(),
            reporter: forWhom.family() ? reporter.values() : null,
            form: form.values(),
          },
        });
        rememberApplication({
          id: created.id,
          token: created.access_token,
          tracking_code: created.tracking_code,
          service_code: service.code,
          service_name: service.name,
        });
        lockApplicant();
      } else {
        step("Menyimpan perubahan formulir…");
        await api("PATCH", `/api/v1/applications/${created.id}`, {
          token: created.access_token,
          body: { form: form.values() },
        });
      }
      await uploadChosen(documents, created.id, created.access_token, step);
      step("Mengajukan permohonan…");
      await api("POST", `/api/v1/applications/${created.id}/submit`, { token: created.access_token });
      step("");
      const given = applicant.values();
      const { panel, title } = successPanel(service, created, given.phone || given.email);
      clear(root, panel);
      heading.textContent = "Permohonan terkirim";
      document.title = `Permohonan terkirim — ${service.name} — Silasidakep`;
      title.focus();
      announce(`Permohonan berhasil diajukan. Kode pelacakan ${created.tracking_code}.`);
    },
    failed(failure) {
      step("");
      reportFailure(formNode, summary, failure, { hint: true });
    },
  });

  function lockApplicant() {
    for (const input of formNode.querySelectorAll("#untuk-siapa input, #data-pelapor input, #data-pelapor select")) {
      input.disabled = true;
    }
    for (const input of applicant.node.querySelectorAll("input, select")) {
      if (input.tagName === "SELECT") input.disabled = true;
      else input.readOnly = true;
    }
    clear(
      draftNote,
      notice(
        "info",
        el(
          "p",
          {},
          "Permohonan sudah tersimpan sebagai draf dengan kode ",
          el("strong", { class: "code", text: created.tracking_code }),
          ". Data pemohon tidak dapat diubah lagi; perbaiki isian yang ditandai lalu tekan \u201cLanjutkan pengajuan\u201d.",
        ),
      ),
    );
    draftNote.hidden = false;
  }
}

async function main() {
  const code = serviceCode();
  try {
    const { services, document_types: documentTypes } = await api("GET", "/api/v1/services");
    const service = services.find((s) => s.code === code);
    if (!service) {
      heading.textContent = "Layanan tidak ditemukan";
      clear(
        root,
        notice("error", el("p", { text: `Tidak ada layanan dengan kode ${code}.` })),
        el("p", {}, el("a", { href: "/" }, "Lihat semua layanan")),
      );
      return;
    }
    render(service, documentTypes || {});
  } catch (error) {
    clear(root, errorNotice(error));
  } finally {
    root.removeAttribute("aria-busy");
  }
}

main();
