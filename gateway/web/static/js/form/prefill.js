// "Isi dari KK terakhir": for the event forms (AKTA_LAHIR, AKTA_MATI, AKTA_KAWIN, AKTA_CERAI)
// that collect a KK number, its address and the current family, fill those from the last KK this
// system issued for that number (GET .../families/{kk_number}: a signed-in citizen on that KK, or
// a front-office account; docs/document-lifecycle.md).

import { announce, clear, el } from "../lib.js";
import { button, notice } from "../ui.js";
import { kkProblems } from "./identity.js";

const FILLED = ["address", "rt_rw", "desa_code", "members"];

/** Whether a form has what the lookup fills: a members table and a KK number. */
export function canPrefill(fields) {
  const types = new Set(fields.map((f) => f.type));
  return types.has("members") && types.has("kk_number");
}

function byName(form, name) {
  return form.controls.find((c) => c.spec.name === name);
}

function failureText(error) {
  if (error.code === "FAMILY_NOT_FOUND" || error.status === 404) return "Data keluarga tidak ditemukan; isi manual.";
  return error.message;
}

/**
 * Put the button after the form's KK number field; `lookup(kk_number)` answers the family.
 * Does nothing for a form without a members table and a KK number.
 */
export function addFamilyPrefill(form, lookup) {
  if (!canPrefill(form.controls.map((c) => c.spec))) return;
  const kk = form.controls.find((c) => c.spec.type === "kk_number");
  const result = el("div", { class: "prefill-result", role: "status", "aria-live": "polite" });
  const trigger = button("Isi dari KK terakhir", { kind: "secondary", id: "isi-dari-kk" });
  trigger.addEventListener("click", async () => {
    const number = kk.value();
    const problems = number ? kkProblems(number) : ["Isi nomor KK terlebih dahulu."];
    if (problems.length) {
      clear(result, notice("warning", el("p", { text: problems.join(" ") })));
      kk.focus();
      return;
    }
    trigger.disabled = true;
    clear(result, el("p", { class: "loading", text: "Mencari data keluarga…" }));
    try {
      const family = await lookup(number);
      form.setValues(Object.fromEntries(FILLED.map((name) => [name, family[name]]).filter(([, v]) => v !== undefined && v !== null)));
      const count = (family.members || []).length;
      const text = `Alamat dan ${count} anggota keluarga diisi dari KK ${family.document_number || number}. Periksa kembali sebelum mengajukan.`;
      clear(result, notice("success", el("p", { text })));
      announce(text);
      const members = byName(form, "members");
      if (members) members.focus();
    } catch (error) {
      const text = failureText(error);
      clear(result, notice(error.status === 404 ? "info" : "warning", el("p", { text })));
      announce(text);
    } finally {
      trigger.disabled = false;
    }
  });
  kk.node.after(el("div", { class: "field prefill" },
    el("p", { class: "hint", text: "Bila KK ini pernah diterbitkan Silasidakep, alamat dan anggota keluarga dapat diisi otomatis." }),
    trigger, result));
}
