// Fixing what a verifier sent back (REVISION_REQUESTED), or completing a draft: the form with the
// flagged fields and documents marked, uploading replacements, and submitting again.

import { api, el, formatDateTime } from "../lib.js";
import { button, buttonRow, notice } from "../ui.js";
import { codeInput, plainField } from "../form/controls.js";
import { buildDocumentInputs, documentRequired, uploadChosen } from "../form/documents.js";
import { clearErrors, findField, showErrors, summaryBox } from "../form/errors.js";
import { fieldsOr } from "../account/code-form.js";
import { buildFields } from "../form/fields.js";
import { busyButton, handleSubmit, reportFailure } from "../form/submit.js";
import { fileText, section } from "./page.js";

const CONTACT_SPECS = {
  email: { name: "email", label: "Email", type: "email", required: true },
  phone: { name: "phone", label: "Nomor ponsel", type: "phone", required: false },
};

/** The contact fields the verifier flagged (the other applicant data cannot change). */
function flaggedContact(flaggedFields) {
  return ["email", "phone"]
    .filter((name) => flaggedFields.some((f) => f.path === `applicant.${name}`))
    .map((name) => CONTACT_SPECS[name]);
}

/** One input per document type: flagged ones must be uploaded again, present ones may be. */
function documentInputs(view, form, flaggedDocs) {
  const service = view.service || {};
  const present = new Map((view.uploads || []).map((d) => [d.doc_type, d]));
  const documents = buildDocumentInputs(service.required_documents || [], {
    required: (doc) => flaggedDocs.has(doc.type) || (documentRequired(doc, form.values()) && !present.has(doc.type)),
    note: (doc) => (present.has(doc.type) ? "sudah diunggah; pilih berkas baru untuk mengganti" : ""),
  });
  const markFlagged = () => {
    for (const row of documents.rows.values()) {
      if (flaggedDocs.has(row.doc.type)) {
        row.requirement.textContent = "Harus diunggah ulang";
        row.requirement.className = "field-flag";
      }
    }
  };
  for (const row of documents.rows.values()) {
    const existing = present.get(row.doc.type);
    if (flaggedDocs.has(row.doc.type)) row.wrapper.classList.add("flagged");
    else if (existing) row.uploaded = true;
    if (existing) {
      row.status.textContent = `Berkas saat ini: ${fileText(existing)}, diunggah ${formatDateTime(existing.uploaded_at)}.`;
    }
  }
  markFlagged();
  form.node.addEventListener("change", () => {
    documents.refresh();
    markFlagged();
  });
  return documents;
}

/** Mark each field the verifier flagged ("Perlu diperbaiki" after its label). */
function markFlaggedFields(flaggedFields, ...groups) {
  const allPaths = groups.flatMap((group) => [...group.node.querySelectorAll("[data-path]")]);
  for (const flagged of flaggedFields) {
    const wrapper =
      allPaths.find((node) => node.dataset.path === flagged.path) ||
      groups.map((group) => findField(group.node, flagged.path)).find(Boolean);
    if (!wrapper) continue;
    wrapper.classList.add("flagged");
    const label = wrapper.querySelector(":scope > label, :scope > legend");
    if (label) label.append(el("span", { class: "field-flag", text: "Perlu diperbaiki" }));
  }
}

function revisionNotice(revision, flaggedFields) {
  const items = [
    ...flaggedFields.map((f) => el("li", { text: f.label || f.path })),
    ...(revision.documents || []).map((d) => el("li", {}, `Dokumen: ${d.label}`)),
  ];
  return notice(
    "warning",
    el("h3", { text: "Petugas meminta perbaikan" }),
    el("p", {}, el("strong", { text: "Alasan: " }), revision.reason || revision.reason_code || "—"),
    revision.note ? el("p", {}, el("strong", { text: "Catatan petugas: " }), revision.note) : null,
    items.length ? el("p", { text: "Yang perlu diperbaiki:" }) : null,
    items.length ? el("ul", { id: "daftar-perbaikan" }, items) : null,
  );
}

const CONTACT_NAMES = { email: "Email", phone: "Nomor ponsel" };

/** A new email or phone waits for the code sent to it (issue 13); the form confirms it. */
function contactCodeForm(ctx, pending) {
  const summary = summaryBox();
  const code = codeInput("kode-kontak", { inputmode: "numeric", maxlength: "6", autocomplete: "one-time-code" });
  const submit = button("Ganti kontak", { type: "submit" });
  const what = CONTACT_NAMES[pending.field] || pending.field;
  const change = pending.value_masked ? `menjadi ${pending.value_masked}` : "dihapus";
  const form = el(
    "form",
    { novalidate: true, id: "form-kode-kontak" },
    notice(
      "info",
      el("p", { text: `${what} akan ${change}. Kode dikirim ke ${pending.code_sent_to}. Masukkan kode untuk mengganti kontak.` }),
    ),
    summary,
    plainField("Kode dari pesan", code, { path: "code", hint: "Kode 6 angka, berlaku 5 menit." }),
    buttonRow(submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form, summary);
    submit.disabled = true;
    try {
      await api("POST", `/api/v1/applications/${ctx.id}/contact/confirm`, {
        token: ctx.token,
        body: { code: code.value.trim() },
      });
      await ctx.reload({ message: "Kontak permohonan sudah diganti." });
      return;
    } catch (error) {
      showErrors(form, summary, fieldsOr(error, "code"));
    }
    submit.disabled = false;
  });
  return form;
}

export function editSection(ctx) {
  const { view } = ctx;
  const schema = (view.service || {}).form_schema || {};
  const revision = view.status === "REVISION_REQUESTED" ? view.revision : null;
  const flaggedFields = (revision && revision.fields) || [];
  const flaggedDocs = new Set(((revision && revision.documents) || []).map((d) => d.type));

  const summary = summaryBox();
  const form = buildFields(schema.fields || [], {
    prefix: "form",
    vocabularies: schema.vocabularies || {},
    documentTypes: ctx.documentTypes || {},
    values: view.form || {},
  });
  const contactSpecs = flaggedContact(flaggedFields);
  const contact = buildFields(contactSpecs, { prefix: "applicant", values: view.applicant || {} });
  const documents = documentInputs(view, form, flaggedDocs);
  markFlaggedFields(flaggedFields, form, contact);

  const progress = el("p", { role: "status", class: "progress-text" });
  const submit = button(revision ? "Kirim perbaikan dan ajukan kembali" : "Ajukan permohonan", {
    type: "submit",
    kind: "block",
  });
  const formNode = el(
    "form",
    { novalidate: true, id: "form-perbaikan" },
    view.pending_contact ? contactCodeForm(ctx, view.pending_contact) : null,
    summary,
    revision
      ? revisionNotice(revision, flaggedFields)
      : el("p", { text: "Permohonan ini masih draf. Lengkapi formulir dan dokumen, lalu ajukan." }),
    el("h3", { text: "Data permohonan" }),
    form.node,
    contactSpecs.length ? el("h3", { text: "Kontak" }) : null,
    contact.node,
    el("h3", { text: "Dokumen" }),
    el("p", { class: "hint", text: "PDF, JPEG, atau PNG, paling besar 5 MB per berkas." }),
    documents.node,
    progress,
    submit,
  );

  handleSubmit(formNode, summary, {
    validate: () => ({ ...form.validate(), ...contact.validate(), ...documents.validate() }),
    busy: busyButton(formNode, submit),
    async send() {
      progress.textContent = "Menyimpan perubahan…";
      const saved = await api("PATCH", `/api/v1/applications/${ctx.id}`, {
        token: ctx.token,
        body: { form: form.values(), ...contact.values() },
      });
      await uploadChosen(documents, ctx.id, ctx.token, (text) => {
        progress.textContent = text;
      });
      if (saved && saved.pending_contact) {
        // A new contact applies only with its code: ask for it before submitting.
        await ctx.reload({ message: `Kode dikirim ke ${saved.pending_contact.code_sent_to}. Masukkan kode untuk mengganti kontak, lalu ajukan kembali.` });
        return;
      }
      progress.textContent = "Mengajukan permohonan…";
      await api("POST", `/api/v1/applications/${ctx.id}/submit`, { token: ctx.token });
      await ctx.reload({
        message: revision
          ? "Perbaikan terkirim. Permohonan Anda diajukan kembali dan menunggu pemeriksaan petugas."
          : "Permohonan berhasil diajukan.",
      });
    },
    failed(failure) {
      progress.textContent = "";
      reportFailure(formNode, summary, failure);
    },
  });

  return section(revision ? "Perbaiki permohonan" : "Lengkapi permohonan", formNode);
}
