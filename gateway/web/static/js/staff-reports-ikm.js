// The IKM (Indeks Kepuasan Masyarakat) part of the reports page: section #ikm, filled from
// GET /api/v1/staff/reports/ikm (same period and filters) and shown only when that answers 200;
// any other answer (404 before the survey exists, 403, an outage) leaves it hidden.
// The IKM survey owns what the table shows: this draws any list of rows it answers.

import { clear, el } from "./lib.js";
import { staffApi } from "./staff-lib.js";
import { dataTable } from "./ui.js";

function rowsOf(body) {
  if (Array.isArray(body)) return body;
  const list = Object.values(body || {}).find((value) => Array.isArray(value));
  return list || [];
}

function cellText(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") return new Intl.NumberFormat("id-ID", { maximumFractionDigits: 2 }).format(value);
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

export async function ikmSection(section, params) {
  let body;
  try {
    body = await staffApi("GET", `/api/v1/staff/reports/ikm?${params}`, { retries: 0 });
  } catch {
    section.hidden = true;
    return;
  }
  const rows = rowsOf(body).filter((row) => row && typeof row === "object");
  const heads = rows.length ? Object.keys(rows[0]).filter((k) => typeof rows[0][k] !== "object" || rows[0][k] === null) : [];
  clear(section, el("h2", { text: "Indeks Kepuasan Masyarakat (IKM) per layanan" }),
    dataTable(heads, rows.map((row) => el("tr", {}, heads.map((k) => el("td", { text: cellText(row[k]) })))),
      { id: "tabel-ikm", empty: "Belum ada jawaban survei dalam periode ini." }));
  section.hidden = false;
}
