// The family-member table of a KK (or a list of people, or a correction's changes): one fieldset
// per row, each with the columns the API expects, and adding and removing rows.

import { el, nextId } from "../lib.js";
import { inputControl, labelText } from "./controls.js";

// Columns of the KK family-member table and of a list of people, as the API expects them.
const NIK = { name: "nik", label: "NIK", type: "nik", required: true };
const NAME = { name: "name", label: "Nama lengkap", type: "person_name", required: true };
const RELATIONSHIP = { name: "relationship", label: "Hubungan dalam keluarga", type: "enum", vocabulary: "relationship", required: true };
const MEMBER_COLUMNS = [
  NIK,
  NAME,
  { name: "sex", label: "Jenis kelamin", type: "enum", vocabulary: "sex", required: true },
  { name: "birth_place", label: "Tempat lahir", type: "string", max_length: 60, required: true },
  { name: "birth_date", label: "Tanggal lahir", type: "date", not_future: true, required: true },
  { name: "religion", label: "Agama", type: "enum", vocabulary: "religion", required: true },
  { name: "education", label: "Pendidikan", type: "enum", vocabulary: "education", required: true },
  { name: "occupation", label: "Pekerjaan", type: "string", max_length: 60, required: true },
  { name: "marital_status", label: "Status perkawinan", type: "enum", vocabulary: "marital_status", required: true },
  RELATIONSHIP,
  { name: "citizenship", label: "Kewarganegaraan", type: "enum", vocabulary: "citizenship", required: true },
  { name: "father_name", label: "Nama ayah", type: "string", max_length: 60, required: true },
  { name: "mother_name", label: "Nama ibu", type: "string", max_length: 60, required: true },
];
const PEOPLE_COLUMNS = [NIK, NAME, RELATIONSHIP];
const ROW_NOUN = { members: "anggota", people: "orang", corrections: "data" };
const HINTS = {
  members: "Isi satu kartu untuk setiap anggota keluarga, dimulai dari kepala keluarga.",
  people: "Isi satu kartu untuk setiap orang.",
  corrections: "Satu baris untuk setiap data yang salah: pilih datanya, lalu tulis data yang benar (tanggal sebagai TTTT-BB-HH).",
};
const MAX_ROWS = { corrections: 10 };

// Corrections that one typed value cannot carry (a KK's family changes through KK_PERUBAHAN).
const NOT_TYPED = new Set(["members"]);

/**
 * The data a correction may change: the union of every document type's `correctable` fields
 * (the document's type is known only once the server finds the document), each named once.
 */
export function correctableOptions(documentTypes) {
  const options = new Map();
  for (const type of Object.values(documentTypes || {})) {
    for (const item of type.correctable || []) {
      if (NOT_TYPED.has(item.field)) continue;
      const option = options.get(item.field) || { value: item.field, label: item.label || item.field, on: [] };
      option.on.push(type.label);
      options.set(item.field, option);
    }
  }
  // Two fields with one label ("Jenis kelamin") are told apart by the documents that show them.
  const counts = new Map();
  for (const o of options.values()) counts.set(o.label, (counts.get(o.label) || 0) + 1);
  return [...options.values()]
    .map((o) => ({ value: o.value, label: counts.get(o.label) > 1 ? `${o.label} (${o.on.join(", ")})` : o.label }))
    .sort((a, b) => a.label.localeCompare(b.label, "id"));
}

function correctionColumns(ctx) {
  return [
    { name: "field", label: "Data yang dibetulkan", type: "enum", options: correctableOptions(ctx.documentTypes), required: true },
    { name: "value", label: "Data yang benar", type: "string", max_length: 200, required: true },
  ];
}

function columnsOf(spec, ctx) {
  if (spec.type === "members") return MEMBER_COLUMNS;
  if (spec.type === "corrections") return correctionColumns(ctx);
  return PEOPLE_COLUMNS;
}

/** The family-member table (or a list of people, or corrections): one fieldset per row, add and remove. */
export function rowsControl(spec, ctx, pathOf) {
  const columns = columnsOf(spec, ctx);
  const noun = ROW_NOUN[spec.type];
  const Noun = noun.charAt(0).toUpperCase() + noun.slice(1);
  const maxRows = MAX_ROWS[spec.type] || 30;
  const rows = [];
  const list = el("ol", { class: "rows" });
  const errorId = nextId("err");
  const hint = HINTS[spec.type];
  const addButton = el("button", { type: "button", class: "button secondary add-row" }, `+ Tambah ${noun}`);
  const node = el(
    "fieldset",
    {
      class: "field field-rows",
      dataset: { path: pathOf(spec.name), label: spec.label },
      "aria-describedby": errorId,
    },
    el("legend", {}, labelText(spec)),
    el("p", { class: "field-error", id: errorId, hidden: true }),
    el("p", { class: "hint", text: hint }),
    list,
    addButton,
  );

  function renumber() {
    rows.forEach((row, index) => {
      row.index = index;
      row.legend.textContent = `${Noun} ${index + 1}`;
      row.remove.textContent = `Hapus ${noun} ${index + 1}`;
      row.node.dataset.path = `${pathOf(spec.name)}.${index}`;
      for (const control of row.controls) {
        control.node.dataset.path = `${pathOf(spec.name)}.${index}.${control.column}`;
        control.node.dataset.label = `${Noun} ${index + 1}, ${control.spec.label}`;
        const input = control.node.querySelector("input, select, textarea");
        if (input) input.name = control.node.dataset.path;
      }
    });
  }

  function addRow(values = {}, { focus = false } = {}) {
    const row = { index: rows.length, controls: [] };
    row.legend = el("legend", {});
    row.remove = el("button", { type: "button", class: "button link danger remove-row" });
    const grid = el("div", { class: "row-grid" });
    for (const column of columns) {
      const control = inputControl(column, ctx, (name) => `${pathOf(spec.name)}.${row.index}.${name}`);
      control.column = column.name;
      control.spec = column;
      if (values[column.name] !== undefined) control.setValue(values[column.name]);
      row.controls.push(control);
      grid.append(control.node);
    }
    row.node = el("li", { class: "row" }, el("fieldset", {}, row.legend, grid, row.remove));
    row.remove.addEventListener("click", () => {
      const at = rows.indexOf(row);
      rows.splice(at, 1);
      row.node.remove();
      renumber();
      const next = rows[at] || rows[at - 1];
      if (next) next.controls[0].focus();
      else addButton.focus();
      announceRows(`${Noun} dihapus. Sekarang ${rows.length} ${noun}.`);
    });
    rows.push(row);
    list.append(row.node);
    renumber();
    if (focus) {
      row.controls[0].focus();
      announceRows(`${Noun} ${rows.length} ditambahkan.`);
    }
    return row;
  }

  function announceRows(message) {
    const region = document.getElementById("pengumuman");
    if (region) region.textContent = message;
  }

  addButton.addEventListener("click", () => {
    if (rows.length >= maxRows) return;
    addRow({}, { focus: true });
  });

  addRow();

  return {
    node,
    value() {
      const value = rows.map((row) => {
        const item = {};
        for (const control of row.controls) {
          const v = control.value();
          if (v !== undefined) item[control.column] = v;
        }
        return item;
      });
      return value.length ? value : undefined;
    },
    setValue(value) {
      for (const row of [...rows]) row.node.remove();
      rows.length = 0;
      for (const item of value || []) addRow(item);
      if (!rows.length) addRow();
    },
    focus: () => (rows[0] ? rows[0].controls[0].focus() : addButton.focus()),
    validate() {
      const problems = [];
      if (!rows.length && spec.required) problems.push([pathOf(spec.name), "Isi paling sedikit 1 baris."]);
      if (rows.length > maxRows) problems.push([pathOf(spec.name), `Isi 1–${maxRows} baris.`]);
      for (const row of rows) for (const control of row.controls) problems.push(...control.validate());
      return problems;
    },
  };
}
