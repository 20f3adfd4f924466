// Forms built from a service's `form_schema`: one control per catalogue field type, the same
// hard rules the server checks (so most mistakes are caught before sending), and the server's
// own errors shown next to the field they name (dotted paths such as `form.members.0.nik`).

import {
  api,
  clear,
  el,
  fileProblem,
  humanize,
  nextId,
  todayWib,
  UPLOAD_TYPES,
  uploadDocument,
} from "./lib.js";

const REQUIRED = "Wajib diisi.";
const CHOOSE = "Pilih salah satu.";
const LABELS = {
  L: "Laki-laki",
  P: "Perempuan",
  WNI: "WNI (Warga Negara Indonesia)",
  WNA: "WNA (Warga Negara Asing)",
};

// Columns of the KK family-member table and of a list of people, as the API expects them.
const MEMBER_COLUMNS = [
  { name: "nik", label: "NIK", type: "nik", required: true },
  { name: "name", label: "Nama lengkap", type: "person_name", required: true },
  { name: "sex", label: "Jenis kelamin", type: "enum", vocabulary: "sex", required: true },
  { name: "birth_place", label: "Tempat lahir", type: "string", max_length: 60, required: true },
  { name: "birth_date", label: "Tanggal lahir", type: "date", not_future: true, required: true },
  { name: "religion", label: "Agama", type: "enum", vocabulary: "religion", required: true },
  { name: "education", label: "Pendidikan", type: "enum", vocabulary: "education", required: true },
  { name: "occupation", label: "Pekerjaan", type: "string", max_length: 60, required: true },
  {
    name: "marital_status",
    label: "Status perkawinan",
    type: "enum",
    vocabulary: "marital_status",
    required: true,
  },
  {
    name: "relationship",
    label: "Hubungan dalam keluarga",
    type: "enum",
    vocabulary: "relationship",
    required: true,
  },
  {
    name: "citizenship",
    label: "Kewarganegaraan",
    type: "enum",
    vocabulary: "citizenship",
    required: true,
  },
  { name: "father_name", label: "Nama ayah", type: "string", max_length: 60, required: true },
  { name: "mother_name", label: "Nama ibu", type: "string", max_length: 60, required: true },
];
const PEOPLE_COLUMNS = [
  { name: "nik", label: "NIK", type: "nik", required: true },
  { name: "name", label: "Nama lengkap", type: "person_name", required: true },
  {
    name: "relationship",
    label: "Hubungan dalam keluarga",
    type: "enum",
    vocabulary: "relationship",
    required: true,
  },
];
const ROW_NOUN = { members: "anggota", people: "orang" };

// --- identity rules (services/intake/domain/identity.py, hard checks only) ----------------------

const PROVINCES = new Set(
  "11 12 13 14 15 16 17 18 19 21 31 32 33 34 35 36 51 52 53 61 62 63 64 65 71 72 73 74 75 76 81 82 91 92 93 94 95 96".split(
    " ",
  ),
);

function digitsProblems(value, label) {
  const problems = [];
  if (!/^[0-9]*$/.test(value)) problems.push(`${label} hanya boleh berisi angka 0-9.`);
  if (value.length !== 16) problems.push(`${label} harus terdiri dari 16 digit.`);
  return problems;
}

function regencyOk(code) {
  const n = Number(code);
  return (n >= 1 && n <= 69) || (n >= 71 && n <= 99);
}

export function nikProblems(nik) {
  const problems = digitsProblems(nik, "NIK");
  if (problems.length) return problems;
  if (!regencyOk(nik.slice(2, 4))) {
    problems.push("Kode kabupaten/kota pada NIK (digit 3-4) harus 01-69 atau 71-99.");
  }
  const day = Number(nik.slice(6, 8));
  if (!((day >= 1 && day <= 31) || (day >= 41 && day <= 71))) {
    problems.push("Tanggal lahir pada NIK (digit 7-8) harus 01-31, atau 41-71 untuk perempuan.");
  }
  const month = Number(nik.slice(8, 10));
  if (month < 1 || month > 12) problems.push("Bulan lahir pada NIK (digit 9-10) harus 01-12.");
  if (nik.slice(12) === "0000") {
    problems.push("Nomor urut pada NIK (4 digit terakhir) tidak boleh 0000.");
  }
  return problems;
}

export function kkProblems(kk) {
  const problems = digitsProblems(kk, "Nomor KK");
  if (problems.length) return problems;
  if (!PROVINCES.has(kk.slice(0, 2))) {
    problems.push("Kode provinsi pada Nomor KK (digit 1-2) tidak dikenal.");
  }
  if (!regencyOk(kk.slice(2, 4))) {
    problems.push("Kode kabupaten/kota pada Nomor KK (digit 3-4) harus 01-69 atau 71-99.");
  }
  if (kk.slice(4, 6) === "00") {
    problems.push("Kode kecamatan pada Nomor KK (digit 5-6) harus 01-99.");
  }
  if (kk.slice(12) === "0000") {
    problems.push("Nomor urut pada Nomor KK (4 digit terakhir) tidak boleh 0000.");
  }
  return problems;
}

export function newNameProblems(name) {
  const problems = [];
  const words = name.split(/\s+/).filter(Boolean);
  if (words.length < 2) problems.push("Nama harus terdiri dari paling sedikit 2 kata.");
  if (name.length > 60) problems.push("Nama paling banyak 60 huruf, termasuk spasi.");
  if (!/^[A-Za-z ]*$/.test(name)) {
    problems.push(
      "Nama hanya boleh berisi huruf latin (A-Z) dan spasi, tanpa angka atau tanda baca.",
    );
  }
  if (name !== words.join(" ")) {
    problems.push("Nama tidak boleh diawali atau diakhiri spasi, atau memuat spasi ganda.");
  }
  if (words.some((w) => w.includes(".") || w.length === 1)) {
    problems.push("Nama tidak boleh disingkat; tulis setiap kata lengkap.");
  }
  return problems;
}

function ageYears(born, today) {
  const [by, bm, bd] = born.split("-").map(Number);
  const [ty, tm, td] = today.split("-").map(Number);
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

function isIsoDate(value) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const [y, m, d] = value.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

// --- server errors -----------------------------------------------------------------------------

/**
 * The API names fields by dotted path (`form.members.0.nik`) or, for shape errors, as nested
 * objects (`{"form": {"members": {"0": {"nik": [...]}}}}`). Both become {path: [messages]}.
 */
export function flattenErrors(fields, prefix = "") {
  const out = {};
  const join = (a, b) => (a ? `${a}.${b}` : String(b));
  const add = (path, messages) => {
    out[path] = [...(out[path] || []), ...messages];
  };
  const walk = (value, path) => {
    if (value === null || value === undefined) return;
    if (typeof value === "string") return add(path, [value]);
    if (Array.isArray(value)) {
      value.forEach((item, index) =>
        typeof item === "string" ? add(path, [item]) : walk(item, join(path, index)),
      );
      return;
    }
    if (typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) {
        walk(inner, key === "_schema" ? path : join(path, key));
      }
    }
  };
  walk(fields, prefix);
  return out;
}

/** Mark one field wrapper (an element with data-path) as wrong, or clear it. */
export function setFieldError(wrapper, messages) {
  const errorNode = wrapper.querySelector(":scope > .field-error");
  const inputs = wrapper.querySelectorAll(
    ":scope > input, :scope > select, :scope > textarea, :scope > .control input, :scope > .control select",

  );
  const has = messages && messages.length > 0;
  wrapper.classList.toggle("has-error", has);
  if (errorNode) {
    errorNode.hidden = !has;
    errorNode.textContent = has ? messages.join(" ") : "";
    if (has) errorNode.prepend(el("span", { class: "visually-hidden", text: "Kesalahan: " }));
  }
  for (const input of inputs) {
    if (has) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
}

/** The element named by a path, or its nearest named ancestor (`form.members.0` -> `form.members`). */
export function findField(root, path) {
  let current = path;
  while (current) {
    const found = root.querySelector(`[data-path="${CSS.escape(current)}"]`);
    if (found) return found;
    const cut = current.lastIndexOf(".");
    current = cut > 0 ? current.slice(0, cut) : "";
  }
  return null;
}

export function focusField(wrapper) {
  const target =
    wrapper.querySelector("[aria-invalid='true']") ||
    wrapper.querySelector("input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea, button");
  if (target) target.focus();
}

/**
 * Show errors ({path: [messages]}) next to their fields and in the summary box at the top.
 * Returns how many errors were shown.
 */
export function showErrors(root, summary, errors, { intro } = {}) {
  for (const wrapper of root.querySelectorAll(".has-error")) setFieldError(wrapper, []);
  const grouped = new Map();
  const loose = [];
  for (const [path, messages] of Object.entries(errors)) {
    const wrapper = findField(root, path);
    if (!wrapper) {
      loose.push(...messages);
      continue;
    }
    grouped.set(wrapper, [...(grouped.get(wrapper) || []), ...messages]);
  }
  const items = [];
  for (const [wrapper, messages] of grouped) {
    setFieldError(wrapper, messages);
    const label = wrapper.dataset.label || "";
    const id = wrapper.id || (wrapper.id = nextId("field"));
    items.push(
      el(
        "li",
        {},
        el(
          "a",
          {
            href: `#${id}`,
            onclick: (event) => {
              event.preventDefault();
              wrapper.scrollIntoView({ block: "center" });
              focusField(wrapper);
            },
          },
          label ? `${label}: ` : "",
          messages.join(" "),
        ),
      ),
    );
  }
  for (const message of loose) items.push(el("li", { text: message }));
  if (summary) {
    summary.replaceChildren();
    summary.hidden = items.length === 0;
    if (items.length) {
      clear(
        summary,
        el("h2", { text: "Periksa kembali isian Anda" }),
        intro ? el("p", { text: intro }) : null,
        el("ul", {}, items),
      );
      summary.focus();
    }
  }
  return items.length;
}

export function clearErrors(root, summary) {
  for (const wrapper of root.querySelectorAll(".has-error")) setFieldError(wrapper, []);
  if (summary) {
    summary.hidden = true;
    summary.replaceChildren();
  }
}

// --- regions -----------------------------------------------------------------------------------

const regionCache = new Map();

export function regionsOf(parent) {
  const key = parent || "";
  if (!regionCache.has(key)) {
    const query = parent ? `?parent=${encodeURIComponent(parent)}` : "";
    const request = api("GET", `/api/v1/regions${query}`).then((body) => body.regions || []);
    request.catch(() => regionCache.delete(key));
    regionCache.set(key, request);
  }
  return regionCache.get(key);
}

const REGION_LEVELS = [
  { level: "province", label: "Provinsi", placeholder: "Pilih provinsi" },
  { level: "regency", label: "Kabupaten/Kota", placeholder: "Pilih kabupaten/kota" },
  { level: "district", label: "Kecamatan", placeholder: "Pilih kecamatan" },
  { level: "village", label: "Desa/Kelurahan", placeholder: "Pilih desa/kelurahan" },
];

function ancestors(code) {
  const parts = code.split(".");
  return parts.map((_, i) => parts.slice(0, i + 1).join("."));
}

// --- field controls ----------------------------------------------------------------------------

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

function labelText(spec) {
  return [spec.label, spec.required ? null : el("span", { class: "optional", text: " (tidak wajib)" })];
}

/** A single-input field: wrapper with label, hint, error and the input. */
function simpleField(spec, path, input) {
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

function textInput(spec, attrs = {}) {
  return el("input", {
    type: "text",
    maxlength: spec.max_length || null,
    autocomplete: spec.autocomplete || "off",
    spellcheck: spec.type === "nik" || spec.type === "kk_number" ? "false" : null,
    ...attrs,
  });
}

/**
 * Build the control for one catalogue field. A control is
 * {node, value(), setValue(v), validate(path) -> [[path, message]...], focus()}.
 * `ctx` = {vocabularies, values: () => current form values (for conditional rules)}.
 */
export function makeControl(spec, ctx, pathOf) {
  switch (spec.type) {
    case "members":
    case "people":
      return rowsControl(spec, ctx, pathOf);
    case "region":
      return regionControl(spec, ctx, pathOf);
    case "region_select":
      return regionSelectControl(spec, ctx, pathOf);
    default:
      return inputControl(spec, ctx, pathOf);
  }
}

function inputControl(spec, ctx, pathOf) {
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

/** A select of the regions under one fixed parent, e.g. the kecamatan of Sumedang. */
function regionSelectControl(spec, ctx, pathOf) {
  const select = el("select", { "aria-busy": "true" }, el("option", { value: "", text: "Memuat…" }));
  const node = simpleField(spec, pathOf(spec.name), select);
  let wanted = "";
  const ready = regionsOf(spec.parent)
    .then((regions) => {
      clear(select,
        el("option", { value: "", text: spec.placeholder || "— Pilih —" }),
        regions.map((r) => el("option", { value: r.code, text: r.name })),
      );
      select.value = wanted;
    })
    .catch(() => {
      clear(select, el("option", { value: "", text: "Daftar gagal dimuat" }));
      setFieldError(node, ["Daftar wilayah gagal dimuat. Muat ulang halaman ini."]);
    })
    .finally(() => select.removeAttribute("aria-busy"));
  return {
    node,
    ready,
    value: () => select.value || undefined,
    setValue(value) {
      wanted = value || "";
      select.value = wanted;
    },
    focus: () => select.focus(),
    validate() {
      return !select.value && spec.required ? [[pathOf(spec.name), CHOOSE]] : [];
    },
  };
}

/** Cascading selects province -> regency -> kecamatan -> desa, from GET /api/v1/regions. */
function regionControl(spec, ctx, pathOf) {
  const depth = Math.max(1, REGION_LEVELS.findIndex((l) => l.level === (spec.level || "village")) + 1);
  const levels = REGION_LEVELS.slice(0, depth);
  const fixed = spec.within ? ancestors(spec.within) : [];
  const legendId = nextId("legend");
  const errorId = nextId("err");
  const selects = levels.map((level, index) => {
    const id = nextId("region");
    const select = el(
      "select",
      {
        id,
        disabled: true,
        "aria-describedby": errorId,
        required: spec.required ? true : null,
        dataset: { level: level.level },
      },
      el("option", { value: "", text: index === 0 ? "Memuat…" : `${REGION_LEVELS[index - 1].label} dulu` }),
    );
    return { level, select, label: el("label", { for: id, text: level.label }) };
  });
  const node = el(
    "fieldset",
    { class: "field field-region", dataset: { path: pathOf(spec.name), label: spec.label } },
    el("legend", { id: legendId }, labelText(spec)),
    el("p", { class: "field-error", id: errorId, hidden: true }),
    el(
      "div",
      { class: "region-grid" },
      selects.map((s) => el("div", { class: "control" }, s.label, s.select)),
    ),
    spec.within
      ? el("p", { class: "hint", text: "Hanya wilayah Kabupaten Sumedang yang dapat dipilih." })
      : null,
  );

  async function fill(index, parent, chosen) {
    const { select, level } = selects[index];
    select.setAttribute("aria-busy", "true");
    try {
      const regions = await regionsOf(parent);
      clear(select,
        el("option", { value: "", text: `— ${level.placeholder} —` }),
        regions.map((r) => el("option", { value: r.code, text: r.name })),
      );
      select.disabled = index < fixed.length;
      if (chosen) select.value = chosen;
    } catch {
      clear(select, el("option", { value: "", text: "Daftar gagal dimuat" }));
      setFieldError(node, ["Daftar wilayah gagal dimuat. Muat ulang halaman ini."]);
    } finally {
      select.removeAttribute("aria-busy");
    }
  }

  function reset(from) {
    for (let i = from; i < selects.length; i += 1) {
      const { select } = selects[i];
      clear(select,
        el("option", { value: "", text: `${REGION_LEVELS[i - 1].label} dulu` }),
      );
      select.disabled = true;
    }
  }

  selects.forEach(({ select }, index) => {
    select.addEventListener("change", async () => {
      reset(index + 1);
      if (select.value && index + 1 < selects.length) await fill(index + 1, select.value);
    });
  });

  async function load(code) {
    const path = code ? ancestors(code) : fixed;
    const chain = [...path];
    for (let i = 0; i < fixed.length; i += 1) chain[i] = fixed[i];
    await fill(0, null, chain[0]);
    for (let i = 1; i < selects.length; i += 1) {
      if (!chain[i - 1]) break;
      await fill(i, chain[i - 1], chain[i]);
    }
  }
  let ready = load("");

  return {
    node,
    get ready() {
      return ready;
    },
    value: () => selects[selects.length - 1].select.value || undefined,
    setValue(value) {
      if (value) ready = ready.then(() => load(value));
    },
    focus() {
      const empty = selects.find((s) => !s.select.disabled && !s.select.value);
      (empty || selects[selects.length - 1]).select.focus();
    },
    validate() {
      const last = selects[selects.length - 1];
      if (!last.select.value && spec.required) {
        return [[pathOf(spec.name), `Pilih ${last.level.label.toLowerCase()}.`]];
      }
      return [];
    },
  };
}

/** The family-member table (or a list of people): one fieldset per row, add and remove. */
function rowsControl(spec, ctx, pathOf) {
  const columns = spec.type === "members" ? MEMBER_COLUMNS : PEOPLE_COLUMNS;
  const noun = ROW_NOUN[spec.type];
  const Noun = noun.charAt(0).toUpperCase() + noun.slice(1);
  const rows = [];
  const list = el("ol", { class: "rows" });
  const errorId = nextId("err");
  const hint =
    spec.type === "members"
      ? "Isi satu kartu untuk setiap anggota keluarga, dimulai dari kepala keluarga."
      : "Isi satu kartu untuk setiap orang.";
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
    if (rows.length >= 30) return;
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
      if (rows.length > 30) problems.push([pathOf(spec.name), "Isi 1–30 baris."]);
      for (const row of rows) for (const control of row.controls) problems.push(...control.validate());
      return problems;
    },
  };
}

/**
 * A group of controls, e.g. the service form (prefix "form") or the applicant block.
 * Returns {node, controls, values(), validate() -> {path: [messages]}, setValues(values), ready}.
 */
export function buildFields(specs, { prefix, vocabularies = {}, values = {} }) {
  const controls = [];
  const ctx = { vocabularies, values: () => group.values() };
  const node = el("div", { class: "fields" });
  for (const spec of specs) {
    const control = makeControl(spec, ctx, (name) => (prefix ? `${prefix}.${name}` : name));
    control.spec = spec;
    controls.push(control);
    node.append(control.node);
  }
  const group = {
    node,
    controls,
    values() {
      const out = {};
      for (const control of controls) {
        const value = control.value();
        if (value !== undefined) out[control.spec.name] = value;
      }
      return out;
    },
    setValues(given) {
      for (const control of controls) {
        if (given[control.spec.name] !== undefined) control.setValue(given[control.spec.name]);
      }
    },
    validate() {
      const errors = {};
      for (const control of controls) {
        for (const [path, message] of control.validate()) {
          errors[path] = [...(errors[path] || []), message];
        }
      }
      return errors;
    },
    get ready() {
      return Promise.all(controls.map((c) => c.ready).filter(Boolean));
    },
  };
  group.setValues(values);
  return group;
}

// --- documents ---------------------------------------------------------------------------------

/** Is this document required for the form as filled in (`required_when` follows a field)? */
export function documentRequired(doc, formValues) {
  if (doc.required_when) return formValues[doc.required_when.field] === doc.required_when.equals;
  return Boolean(doc.required);
}

/**
 * One file input per document type, each with a progress bar.
 * Returns {node, rows: Map(type -> {input, progress, status, wrapper, doc}), chosen()}.
 */
export function buildDocumentInputs(documents, { required = () => false, note = () => "" } = {}) {
  const rows = new Map();
  const node = el("div", { class: "documents" });
  const accept = Object.keys(UPLOAD_TYPES).join(",");
  for (const doc of documents) {
    const id = nextId("doc");
    const input = el("input", {
      type: "file",
      id,
      accept,
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
export async function uploadChosen(documents, appId, token, onStep) {
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
      });
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
