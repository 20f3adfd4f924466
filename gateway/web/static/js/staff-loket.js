// The counter (/petugas/loket, role front_office): assisted intake for a walk-in citizen at the
// account's own service location. The same form and checks as the apply page (form/ modules),
// the desk's scanner or the device camera for documents, then submit, the printed receipt (tanda
// terima, A5 PDF with the QR code) and booking the in-person steps with the citizen.

import { announce, api, clear, el, humanize, nextId, trackingLink } from "./lib.js";
import { busyLoad, staffApi, startStaffPage, token as staffToken } from "./staff-lib.js";
import { controlField, viewer } from "./staff-ui.js";
import { button, buttonRow, errorBox, facts, notice } from "./ui.js";
import {
  APPLICANT_FIELDS,
  contactErrors,
  forWhomChoice,
  RELATIONSHIPS,
  REPORTER_FIELDS,
} from "./form/applicant.js";
import { buildDocumentInputs, documentRequired, uploadChosen } from "./form/documents.js";
import { summaryBox } from "./form/errors.js";
import { buildFields } from "./form/fields.js";
import { addFamilyPrefill } from "./form/prefill.js";
import { busyButton, handleSubmit, reportFailure } from "./form/submit.js";
import { openPicker } from "./track/slot-picker.js";

const BASE = "/api/v1/staff/front-office";
const APPLICATIONS = `${BASE}/applications`;
const root = document.getElementById("isi");
const heading = document.getElementById("judul");
let desk = null; // this account's counter (GET /desk): its name and channel
let documentTypes = {}; // the catalogue's document types (a correction's fields)

function section(title, ...children) {
  return el("fieldset", { class: "section" }, el("legend", { text: title }), ...children);
}

function deskLine(desk) {
  return el("p", { class: "lead", id: "loket-aktif" },
    "Anda melayani di ", el("strong", { text: desk.name }), ` (${desk.code}) — saluran ${desk.channel_label}.`);
}

/** Step 1: which service the citizen came for. */
function serviceChooser(desk, services) {
  const select = el("select", { id: nextId("layanan"), name: "service" },
    el("option", { value: "", text: "— Pilih layanan —" }),
    services.map((s) => el("option", { value: s.code, text: s.name })));
  const area = el("div", { id: "formulir-loket" });
  const form = el("form", { class: "grid-2 filter-bar", id: "pilih-layanan" },
    controlField("Layanan yang diminta warga", select),
    buttonRow(button("Mulai", { type: "submit" })));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const service = services.find((s) => s.code === select.value);
    if (service) applicationForm(area, service, () => start());
  });
  clear(root, deskLine(desk), form, area);
  select.focus();
}

/** Step 2: the applicant's data, the form, the scans; create, upload, submit. */
function applicationForm(area, service, next) {
  const schema = service.form_schema || {};
  const fieldsSpec = schema.fields || [];
  const summary = summaryBox({ id: "ringkasan" });
  const applicant = buildFields(APPLICANT_FIELDS, { prefix: "applicant" });
  const reporter = buildFields(REPORTER_FIELDS, { prefix: "reporter", vocabularies: { relationship: RELATIONSHIPS } });
  const forWhom = forWhomChoice();
  const reporterBlock = el("div", { hidden: true, id: "data-pelapor" }, reporter.node);
  forWhom.onChange((family) => {
    reporterBlock.hidden = !family;
  });
  const form = buildFields(fieldsSpec, { prefix: "form", vocabularies: schema.vocabularies || {}, documentTypes });
  addFamilyPrefill(form, (kk) => staffApi("GET", `${BASE}/families/${encodeURIComponent(kk)}`));
  const labelOf = (name) => (fieldsSpec.find((f) => f.name === name) || {}).label || name;
  const documents = buildDocumentInputs(service.required_documents || [], {
    camera: true,
    required: (doc) => documentRequired(doc, form.values()),
    note: (doc) => doc.required_when
      ? `wajib bila ${labelOf(doc.required_when.field).toLowerCase()}: ${humanize(doc.required_when.equals).toLowerCase()}`
      : "",
  });
  const consentId = "pernyataan";
  const consent = el("div", { class: "field", dataset: { path: "consent", label: "Pernyataan" } },
    el("p", { class: "field-error", id: `${consentId}-error`, hidden: true }),
    el("div", { class: "control check" },
      el("input", { type: "checkbox", id: consentId, required: true, "aria-describedby": `${consentId}-error` }),
      el("label", { for: consentId }, "Pemohon telah memeriksa data yang diisi dan menyatakan data serta dokumennya benar.")));
  const progress = el("div", { class: "progress-text", role: "status", "aria-live": "polite" });
  const submit = button("Ajukan permohonan", { type: "submit", kind: "block" });
  const formNode = el("form", { novalidate: true, id: "permohonan-loket", "aria-label": `Permohonan ${service.name}` },
    el("h2", { text: service.name }),
    summary,
    section("Untuk siapa permohonan ini?", forWhom.node, reporterBlock),
    section("Data pemohon", applicant.node),
    section("Data permohonan", form.node),
    section("Dokumen persyaratan",
      el("p", { class: "hint", text: "Pindai dengan pemindai loket (PDF) atau foto dengan kamera perangkat. Paling besar 5 MB per berkas." }),
      documents.node),
    section("Pernyataan", consent),
    progress,
    submit);
  form.node.addEventListener("change", () => documents.refresh());
  clear(area, formNode);
  heading.textContent = `Loket: ${service.name}`;

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
        ...(created ? {} : form.validate()),
        ...documents.validate(),
      };
      if (!formNode.querySelector(`#${consentId}`).checked) errors.consent = ["Centang pernyataan ini untuk melanjutkan."];
      return errors;
    },
    busy(state) {
      busy(state);
      submit.textContent = state ? "Sedang diproses…" : created ? "Lanjutkan pengajuan" : "Ajukan permohonan";
    },
    async send() {
      if (!created) {
        step("Menyimpan permohonan…");
        created = await staffApi("POST", APPLICATIONS, {
          body: {
            service_code: service.code,
            applicant: applicant.values(),
            reporter: forWhom.family() ? reporter.values() : null,
            form: form.values(),
          },
        });
        lock(formNode, applicant, form);
      }
      await uploadChosen(documents, created.id, staffToken(), step, APPLICATIONS);
      step("Mengajukan permohonan…");
      await staffApi("POST", `${APPLICATIONS}/${created.id}/submit`);
      step("");
      done(area, service, created, applicant.values(), next);
    },
    failed(failure) {
      step("");
      reportFailure(formNode, summary, failure, { hint: true });
    },
  });
}

/** After the draft exists its data is fixed (the desk uploads and submits; fixes go online). */
function lock(formNode, applicant, form) {
  for (const group of [applicant, form]) {
    for (const input of group.node.querySelectorAll("input, select, textarea, button")) input.disabled = true;
  }
  for (const input of formNode.querySelectorAll("#untuk-siapa input, #data-pelapor input, #data-pelapor select")) {
    input.disabled = true;
  }
}

/** The receipt as a blob: URL; the access token (a header, never the URL) puts the link in its QR code. */
async function receiptUrl(created) {
  const response = await api("GET", `${APPLICATIONS}/${created.id}/receipt.pdf`, {
    token: staffToken(), raw: true, headers: { "X-Access-Token": created.access_token },
  });
  return URL.createObjectURL(await response.blob());
}

function receiptArea(created) {
  const holder = el("div", { id: "tanda-terima" });
  const print = button("Cetak tanda terima", {
    id: "cetak-tanda-terima",
    onclick: async () => {
      try {
        const url = await receiptUrl(created);
        clear(holder,
          el("h3", { text: "Tanda terima" }),
          viewer(url, "application/pdf", `Tanda terima ${created.tracking_code}`),
          el("p", {}, el("a", { href: url, target: "_blank", id: "buka-tanda-terima", download: `tanda-terima-${created.tracking_code}.pdf` }, "Buka tanda terima untuk dicetak")));
        announce("Tanda terima siap dicetak.");
      } catch (error) {
        clear(holder, errorBox(error));
      }
    },
  });
  return { print, holder };
}

function bookingArea(service, created) {
  const steps = service.presence || [];
  if (!steps.length) return el("p", { class: "hint", text: "Layanan ini tidak memerlukan kedatangan." });
  const ctx = { id: created.id, token: staffToken(), base: APPLICATIONS };
  return el("div", { id: "jadwal-loket" }, el("h3", { text: "Jadwal kedatangan" }), steps.map((presence) => {
    const area = el("div");
    const result = el("p", { role: "status" });
    const trigger = button(`Pesan jadwal: ${presence.label}`, { kind: "secondary" });
    trigger.addEventListener("click", () => openPicker(ctx, area, presence, null, trigger, async (message) => {
      clear(area);
      trigger.hidden = true;
      result.textContent = message;
      announce(message);
    }));
    return el("div", { class: "card", dataset: { step: presence.step } }, trigger, area, result);
  }));
}

/** Step 3: what the citizen takes home. */
function done(area, service, created, given, next) {
  const link = trackingLink(created.id, created.access_token);
  const { print, holder } = receiptArea(created);
  const title = el("h2", { tabindex: "-1", text: "Permohonan berhasil diajukan" });
  clear(area,
    notice("success", title,
      el("p", {}, "Kode pelacakan: ", el("strong", { class: "code big-code", id: "kode-pelacakan", text: created.tracking_code })),
      facts([
        ["Layanan", service.name],
        ["Saluran", (desk && desk.channel_label) || created.channel],
        ["Kabar dikirim ke", given.phone || given.email],
      ]),
      el("p", { class: "hint", text: "Warga dapat memantau sebagai tamu dengan tautan atau kode QR pada tanda terima, atau menautkannya ke akunnya nanti." })),
    el("div", { class: "card" },
      el("label", { for: "tautan-warga", text: "Tautan pelacakan untuk warga (rahasia)" }),
      el("input", { type: "text", id: "tautan-warga", readonly: true, value: link, class: "code" }),
      buttonRow(print, button("Layani warga berikutnya", { kind: "secondary", id: "warga-berikutnya", onclick: next })),
      holder),
    bookingArea(service, created));
  title.focus();
  announce(`Permohonan diajukan. Kode pelacakan ${created.tracking_code}.`);
}

async function start() {
  heading.textContent = "Loket pelayanan";
  await busyLoad(root, root, async () => {
    const [found, catalogue] = await Promise.all([
      staffApi("GET", `${BASE}/desk`),
      api("GET", "/api/v1/services"),
    ]);
    desk = found;
    documentTypes = catalogue.document_types || {};
    const { services } = catalogue;
    serviceChooser(desk, services);
  });
}

if (startStaffPage({ needs: ["front_office"] })) start();
