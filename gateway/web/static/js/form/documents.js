// The document uploads of an application: one file input per document type with its progress
// bar, checked before sending, and uploading the chosen files one after another.

import { el, fileProblem, nextId, UPLOAD_TYPES, uploadDocument } from "../lib.js";
import { setFieldError } from "./errors.js";

/** Is this document required for the form as filled in (`required_when` follows a field)? */
export function documentRequired(doc, formValues) {
  if (doc.required_when) return formValues[doc.required_when.field] === doc.required_when.equals;
  return Boolean(doc.required);
}

/**
 * One file input per document type, each with a progress bar.
 * Returns {node, rows: Map(type -> {input, progress, status, wrapper, doc}), chosen()}.
 */
export function buildDocumentInputs(documents, { required = () => false, note = () => "", camera = false } = {}) {
  const rows = new Map();
  const node = el("div", { class: "documents" });
  // At a counter (camera): the scanner's PDF or a photo taken with the device's rear camera.
  const accept = camera ? "image/*,application/pdf" : Object.keys(UPLOAD_TYPES).join(",");
  for (const doc of documents) {
    const id = nextId("doc");
    const input = el("input", {
      type: "file",
      id,
      accept,
      ...(camera ? { capture: "environment" } : {}),
      "aria-describedby": `${id}-hint ${id}-error ${id}-status`,
    });
    const progress = el("progress", { max: 100, value: 0, hidden: true, "aria-label": `Kemajuan unggah ${doc.label}` });
    const status = el("p", { class: "upload-status", id: `${id}-status` });
    const requirement = el("span", { class: "optional" });
    const wrapper = el(
      "div",
      { class: "field field-file", dataset: { path: `documents.${doc.type}`, label: doc.label } },
      el("label", { for: id }, doc.label, requirement),
      el("p", { class: "hint", id: `${id}-hint`, text: "PDF, JPEG, atau PNG, paling besar 5 MB." }),
      el("p", { class: "field-error", id: `${id}-error`, hidden: true }),
      input,
      progress,
      status,
    );
    const row = { input, progress, status, wrapper, doc, requirement };
    input.addEventListener("change", () => {
      const file = input.files[0];
      const problem = fileProblem(file);
      setFieldError(wrapper, problem ? [problem] : []);
      progress.hidden = true;
      status.textContent = file && !problem ? `Dipilih: ${file.name}` : "";
    });
    rows.set(doc.type, row);
    node.append(wrapper);
  }
  const refresh = () => {
    for (const row of rows.values()) {
      const isRequired = required(row.doc);
      const extra = note(row.doc);
      row.requirement.textContent = isRequired ? " (wajib)" : extra ? ` (${extra})` : " (tidak wajib)";
      row.requirement.className = isRequired ? "required" : "optional";
      row.input.required = isRequired;
    }
  };
  refresh();
  return {
    node,
    rows,
    refresh,
    chosen() {
      return [...rows.values()].filter((r) => r.input.files && r.input.files[0]);
    },
    validate() {
      const errors = {};
      for (const row of rows.values()) {
        const file = row.input.files && row.input.files[0];
        const path = `documents.${row.doc.type}`;
        if (!file && required(row.doc) && !row.uploaded) errors[path] = ["Pilih berkas dokumen ini."];
        const problem = fileProblem(file);
        if (problem) errors[path] = [problem];
      }
      return errors;
    },
  };
}

/**
 * Upload the chosen files one after another, each with its progress bar.
 * Resolves with the number uploaded; rejects with {path, error} on the first failure.
 */
export async function uploadChosen(documents, appId, token, onStep, base = undefined) {
  let done = 0;
  for (const row of documents.chosen()) {
    const file = row.input.files[0];
    if (row.uploaded === file) continue; // sent already in an earlier attempt
    row.progress.hidden = false;
    row.progress.value = 0;
    row.status.textContent = `Mengunggah ${file.name}…`;
    if (onStep) onStep(`Mengunggah ${row.doc.label}…`);
    try {
      await uploadDocument(appId, token, row.doc.type, file, (fraction) => {
        row.progress.value = Math.round(fraction * 100);
      }, base);
    } catch (error) {
      row.progress.hidden = true;
      row.status.textContent = "";
      throw { path: `documents.${row.doc.type}`, error };
    }
    row.uploaded = file;
    row.progress.value = 100;
    row.status.textContent = `Terunggah: ${file.name}`;
    done += 1;
  }
  return done;
}
