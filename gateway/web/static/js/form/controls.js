// The control of one catalogue field (text, number, NIK, date, choice, ...): the labelled
// wrapper with hint and error line, reading and setting the value, and the same hard rules the
// server checks. Region pickers are in regions.js, the rows of people in rows.js.

import { el, humanize, nextId, todayWib } from "../lib.js";
import { ageYears, isIsoDate, kkProblems, newNameProblems, nikProblems } from "./identity.js";

export const REQUIRED = "Wajib diisi.";
export const CHOOSE = "Pilih salah satu.";
// A register number this system issued (intake's catalogue.py ISSUED_DOCUMENT_PATTERN).
const ISSUED_DOCUMENT = /^\d{4}-[A-Z][A-Z0-9_]*-\d{4}-\d{6}$/;
// How some enum values are written; the others are humanized codes.
const LABELS = {
  L: "Laki-laki",
  P: "Perempuan",
  WNI: "WNI (Warga Negara Indonesia)",
  WNA: "WNA (Warga Negara Asing)",
};

function optionLabel(spec, value) {
  return LABELS[value] || humanize(value);
}

function hintFor(spec) {
  if (spec.hint) return spec.hint;
  switch (spec.type) {
    case "nik":
      return "16 digit angka, seperti tertulis di KTP-el atau Kartu Keluarga.";
    case "kk_number":
      return "16 digit angka di bagian atas Kartu Keluarga.";
    case "issued_document":
      return "Nomor yang tertulis pada dokumen, contoh: 3211-KK-2026-000123.";
    case "person_name":
      return spec.new_registration
        ? "Paling sedikit 2 kata, huruf latin tanpa angka, tanda baca, atau singkatan."
        : "";
    case "text":
      return spec.max_length ? `Paling banyak ${spec.max_length} karakter.` : "";
    case "string":
      return spec.pattern_message || "";
    case "integer":
      return spec.min !== undefined && spec.max !== undefined
        ? `Angka ${spec.min} sampai ${spec.max}.`
        : "";
    case "date":
      if (spec.report_within_days) {
        return `Laporkan paling lambat ${spec.report_within_days} hari setelah peristiwa.`;
      }
      return "";
    case "phone":
      return "Contoh: 081234567890. Dipakai bila petugas perlu menghubungi Anda.";
    case "email":
      return "Status permohonan dan PIN unduhan dikirim ke alamat ini.";
    default:
      return "";
  }
}

export function labelText(spec) {
  return [spec.label, spec.required ? null : el("span", { class: "optional", text: " (tidak wajib)" })];
}

/** A single-input field: wrapper with label, hint, error and the input. */
export function simpleField(spec, path, input) {
  const id = input.id || (input.id = nextId("in"));
  const hint = hintFor(spec);
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  input.setAttribute("aria-describedby", [hint ? hintId : null, errorId].filter(Boolean).join(" "));
  input.name = path;
  if (spec.required) {
    input.required = true;
    input.setAttribute("aria-required", "true");
  }
  const wrapper = el(
    "div",
    { class: `field field-${spec.type}`, dataset: { path, label: spec.label } },
    el("label", { for: id }, labelText(spec)),
    hint ? el("p", { class: "hint", id: hintId, text: hint }) : null,
    el("p", { class: "field-error", id: errorId, hidden: true }),
    input,
  );
  return wrapper;
}

/**
 * A field that is not from the catalogue (a tracking link, a PIN, a location): label, optional
 * hint, error line and `control` (which must have an id). `path` names it for showErrors and
 * `summaryLabel` is its name in the error summary.
 */
export function plainField(label, control, { path, hint, summaryLabel = label } = {}) {
  const { id } = control;
  control.setAttribute("aria-describedby", [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(" "));
  return el(
    "div",
    { class: "field", dataset: { path, label: summaryLabel } },
    el("label", { for: id, text: label }),
    hint ? el("p", { class: "hint", id: `${id}-hint`, text: hint }) : null,
    el("p", { class: "field-error", id: `${id}-error`, hidden: true }),
    control,
  );
}

/** A one-line input for a code or key typed or pasted as is (no autocomplete, no spelling). */
export function codeInput(id, attrs = {}) {
  return el("input", { type: "text", id, autocomplete: "off", spellcheck: "false", ...attrs });
}

function textInput(spec, attrs = {}) {
  return el("input", {
    type: "text",
    maxlength: spec.max_length || null,
    autocomplete: spec.autocomplete || "off",
    spellcheck: spec.type === "nik" || spec.type === "kk_number" ? "false" : null,
    ...attrs,
  });
}

export function inputControl(spec, ctx, pathOf) {
  let input;
  const type = spec.type;
  if (type === "enum") {
    const choices = spec.choices || (ctx.vocabularies || {})[spec.vocabulary] || [];
    const options = spec.options || choices.map((c) => ({ value: c, label: optionLabel(spec, c) }));
    input = el(
      "select",
      {},
      el("option", { value: "", text: "— Pilih —" }),
      options.map((o) => el("option", { value: o.value, text: o.label })),
    );
  } else if (type === "text") {
    input = el("textarea", { rows: 4, maxlength: spec.max_length || null });
  } else if (type === "date") {
    input = el("input", { type: "date", max: spec.not_future ? todayWib() : null });
  } else if (type === "time") {
    input = el("input", { type: "time" });
  } else if (type === "integer") {
    input = textInput(spec, { inputmode: "numeric", pattern: "[0-9]*" });
  } else if (type === "nik" || type === "kk_number") {
    input = textInput(spec, { inputmode: "numeric", maxlength: 16, pattern: "[0-9]*" });
  } else if (type === "person_name") {
    input = textInput({ ...spec, max_length: 60 }, { autocomplete: spec.autocomplete || "off" });
  } else if (type === "issued_document") {
    input = textInput({ ...spec, max_length: 40 }, { spellcheck: "false", autocapitalize: "characters" });
  } else if (type === "email") {
    input = el("input", { type: "email", autocomplete: "email", maxlength: 254, spellcheck: "false" });
  } else if (type === "phone") {
    input = el("input", { type: "tel", autocomplete: "tel", inputmode: "tel", maxlength: 16 });
  } else if (type === "boolean") {
    input = el("input", { type: "checkbox" });
  } else {
    input = textInput(spec);
  }
  const path = pathOf(spec.name);
  const node = simpleField(spec, path, input);
  if (type === "boolean") {
    node.append(el("div", { class: "control check" }, input, node.querySelector("label")));
  }

  const read = () => {
    if (type === "boolean") return input.checked;
    const raw = input.value.trim();
    if (raw === "") return undefined;
    if (type === "integer" && /^-?\d+$/.test(raw)) return Number(raw);
    if (type === "nik" || type === "kk_number") return raw.replace(/\s+/g, "");
    if (type === "phone") return raw.replace(/[\s-]/g, "");
    if (type === "issued_document") return raw.toUpperCase();
    return raw;
  };

  return {
    node,
    value: read,
    setValue(value) {
      if (type === "boolean") input.checked = Boolean(value);
      else input.value = value === undefined || value === null ? "" : String(value);
    },
    focus: () => input.focus(),
    validate() {
      const here = pathOf(spec.name);
      const value = read();
      const problems = [];
      if (value === undefined) {
        if (spec.required) problems.push(type === "enum" ? CHOOSE : REQUIRED);
        return problems.map((m) => [here, m]);
      }
      if (type === "boolean") return [];
      const text = String(value);
      if ((type === "string" || type === "text") && spec.max_length && text.length > spec.max_length) {
        problems.push(`Paling banyak ${spec.max_length} karakter.`);
      }
      if ((type === "string" || type === "text") && spec.min_length && text.length < spec.min_length) {
        problems.push(`Tuliskan paling sedikit ${spec.min_length} karakter.`);
      }
      if (type === "string" && spec.pattern && !new RegExp(spec.pattern, "u").test(text)) {
        problems.push(spec.pattern_message || "Format tidak valid.");
      }
      if (type === "nik") problems.push(...nikProblems(text));
      if (type === "kk_number") problems.push(...kkProblems(text));
      if (type === "issued_document" && !ISSUED_DOCUMENT.test(text)) {
        problems.push("Nomor dokumen tidak valid (contoh: 3211-KK-2026-000123).");
      }
      if (type === "person_name") {
        if (text.length > 60) problems.push("Paling banyak 60 karakter.");
        else if (spec.new_registration) problems.push(...newNameProblems(text));
      }
      if (type === "email" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text)) {
        problems.push("Alamat email tidak valid. Contoh: nama@contoh.id");
      }
      if (type === "phone" && !/^(\+62|0)8\d{7,12}$/.test(text.replace(/[\s-]/g, ""))) {
        problems.push("Nomor ponsel tidak valid. Contoh: 081234567890");
      }
      if (type === "integer") {
        if (typeof value !== "number") problems.push("Harus berupa bilangan bulat.");
        else if (
          (spec.min !== undefined && spec.min !== null && value < spec.min) ||
          (spec.max !== undefined && spec.max !== null && value > spec.max)
        ) {
          problems.push(`Nilai harus antara ${spec.min} dan ${spec.max}.`);
        }
      }
      if (type === "time" && !/^\d{2}:\d{2}(:\d{2})?$/.test(text)) {
        problems.push("Jam tidak valid (format JJ:MM).");
      }
      if (type === "enum") {
        const choices = spec.options
          ? spec.options.map((o) => o.value)
          : spec.choices || (ctx.vocabularies || {})[spec.vocabulary] || [];
        if (choices.length && !choices.includes(text)) problems.push(CHOOSE);
      }
      if (type === "date") problems.push(...dateProblems(spec, text, ctx));
      return problems.map((m) => [here, m]);
    },
  };
}

function dateProblems(spec, value, ctx) {
  if (!isIsoDate(value)) return ["Tanggal tidak valid."];
  const today = todayWib();
  if (spec.not_future && value > today) return ["Tanggal tidak boleh di masa depan."];
  const problems = [];
  const age = ageYears(value, today);
  const unless = spec.min_age_unless;
  const values = ctx.values ? ctx.values() : {};
  const exempt = unless && values[unless.field] === unless.equals;
  if (spec.min_age_years && age < spec.min_age_years && !exempt) {
    problems.push(`Usia minimal ${spec.min_age_years} tahun untuk layanan ini.`);
  }
  if (spec.max_age_years && age >= spec.max_age_years) {
    problems.push(`Usia harus di bawah ${spec.max_age_years} tahun untuk layanan ini.`);
  }
  return problems;
}
