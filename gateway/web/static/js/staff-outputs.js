// "Dokumen yang akan terbit" on the review page: what approval will issue (the `outputs` of
// application.submitted, docs/document-lifecycle.md): each document, an updated KK's current and
// updated family side by side (added and removed members marked), a correction's old and new
// values. NIKs are masked here: the family is for comparing, the full NIKs are in the form data.

import { el, humanize } from "./lib.js";
import { maskNik, showValue } from "./staff-ui.js";
import { dataTable } from "./ui.js";

const KIND_TEXT = { CORRECTION: "Pembetulan", REPRINT: "Cetak ulang", ORIGINAL: "Baru" };

/** How a member is matched across the two families: the NIK, else the name. */
function memberKey(member) {
  return member.nik ? `nik:${member.nik}` : `name:${String(member.name || "").trim().toLowerCase()}`;
}

/** [current, updated] pairs in the current order, then the members only the update has. */
export function pairMembers(current, updated) {
  const remaining = new Map(updated.map((m) => [memberKey(m), m]));
  const pairs = current.map((m) => {
    const key = memberKey(m);
    const after = remaining.get(key) || null;
    remaining.delete(key);
    return [m, after];
  });
  for (const m of remaining.values()) pairs.push([null, m]);
  return pairs;
}

function memberCell(member, tag) {
  if (!member) return el("td", { class: "muted", text: "—" });
  return el(
    "td",
    {},
    el("strong", { text: member.name || "—" }),
    tag ? el("span", { class: `tag ${tag.class}`, text: tag.text }) : null,
    el("br"),
    el("span", { class: "code", text: member.nik ? maskNik(member.nik) : "NIK belum ada" }),
    el("br"),
    el("span", { class: "hint", text: humanize(member.relationship || "—") }),
  );
}

function pairRow([before, after]) {
  if (!before) {
    return el("tr", { class: "member-added", dataset: { change: "added" } },
      memberCell(null), memberCell(after, { class: "tag-added", text: "Ditambahkan" }));
  }
  if (!after) {
    return el("tr", { class: "member-removed", dataset: { change: "removed" } },
      memberCell(before, { class: "tag-removed", text: "Dikeluarkan" }), memberCell(null));
  }
  const changed = before.relationship !== after.relationship || before.marital_status !== after.marital_status;
  return el("tr", { class: changed ? "member-changed" : null, dataset: { change: changed ? "changed" : "same" } },
    memberCell(before), memberCell(after, changed ? { class: "tag-changed", text: "Berubah" } : null));
}

/** The current family next to the family the document will show. */
export function familyComparison(family, caption) {
  return dataTable(
    ["Keluarga saat ini", "Keluarga setelah terbit"],
    pairMembers(family.current || [], family.updated || []).map(pairRow),
    { class: "family-compare", caption, empty: "Tidak ada anggota keluarga." },
  );
}

function changeValue(value) {
  if (Array.isArray(value) && value.some((v) => v && typeof v === "object")) return `${value.length} anggota (lihat tabel)`;
  return showValue(value);
}

function changesTable(changes) {
  return dataTable(
    ["Isian", "Data lama", "Data baru"],
    changes.map((c) =>
      el("tr", { dataset: { field: c.field } },
        el("td", { text: c.label || c.field }),
        el("td", { class: "old-value", text: changeValue(c.old) }),
        el("td", { class: "new-value" }, el("strong", { text: changeValue(c.new) })))),
    { class: "changes-table", caption: "Data yang dibetulkan" },
  );
}

function outputItem(output) {
  const label = output.label || humanize(output.document || output.key);
  const notes = [
    KIND_TEXT[output.kind] && output.kind !== "ORIGINAL" ? KIND_TEXT[output.kind] : null,
    output.card ? "kartu, dicetak di kecamatan" : null,
    output.optional ? (output.requested ? "diminta pemohon" : "tidak diminta") : null,
  ].filter(Boolean);
  return el(
    "li",
    { class: output.requested === false ? "output muted" : "output", dataset: { output: output.key || "" } },
    el("h3", { text: label }),
    notes.length ? el("p", { class: "hint", text: notes.join(" · ") }) : null,
    output.replaces ? el("p", {}, "Menggantikan dokumen ", el("span", { class: "code", text: output.replaces })) : null,
    (output.changes || []).length ? changesTable(output.changes) : null,
    output.family ? familyComparison(output.family, `Anggota ${label}`) : null,
  );
}

/** The section, or null when the submission carried no outputs (an older round). */
export function outputsSection(outputs) {
  if (!outputs || !outputs.length) return null;
  return el(
    "section",
    { class: "card", id: "dokumen-terbit" },
    el("h2", { text: "Dokumen yang akan terbit" }),
    el("p", { class: "hint", text: "Bila disetujui, dokumen berikut diterbitkan dari permohonan ini." }),
    el("ul", { class: "output-list" }, outputs.map(outputItem)),
  );
}
