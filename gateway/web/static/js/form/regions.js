// Choosing a region from GET /api/v1/regions: a select of the regions under one fixed parent
// (e.g. the kecamatan of Sumedang), and cascading selects province -> regency -> kecamatan -> desa.

import { api, clear, el, nextId } from "../lib.js";
import { CHOOSE, labelText, simpleField } from "./controls.js";
import { setFieldError } from "./errors.js";

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

/** A select of the regions under one fixed parent, e.g. the kecamatan of Sumedang. */
export function regionSelectControl(spec, ctx, pathOf) {
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
export function regionControl(spec, ctx, pathOf) {
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
