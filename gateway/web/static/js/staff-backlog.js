// Backlog board (/petugas/pantauan, role supervisor): counts per stage, service and kecamatan,
// service-time breaches, and the verifiers' live claims, each of which the supervisor may return
// to the queue or move to another verifier. The verification queue's stages come from the
// verification service; the stages after it (revision, signature, kecamatan print) from intake.

import { announce, api, clear, el, formatDateTime } from "./lib.js";
import { supervisorControls } from "./staff-claims.js";
import { busyLoad, staffApi, startStaffPage } from "./staff-lib.js";
import { button, dataTable, noticeBox, successNotice } from "./ui.js";

const root = document.getElementById("isi");
// Intake's statuses that the verification queue already counts (waiting, claimed).
const QUEUE_STATUSES = new Set(["SUBMITTED", "IN_VERIFICATION"]);

function numberCell(value, late) {
  return el("td", { class: late ? "num late" : "num", text: String(value) });
}

function countTable(id, caption, first, rows) {
  return dataTable([first, "Jumlah", "Lewat target"], rows, { id, caption, empty: "Tidak ada permohonan." });
}

function add(map, key, count, breached) {
  const entry = map.get(key) || { count: 0, breached: 0 };
  entry.count += count;
  entry.breached += breached;
  map.set(key, entry);
}

function stageRows(queue, pipeline) {
  const rows = queue.stages.map((s) => ({ key: s.stage, label: s.label, count: s.count, breached: s.breached }));
  const later = new Map();
  const labels = {};
  for (const s of (pipeline && pipeline.stages) || []) {
    if (QUEUE_STATUSES.has(s.status)) continue;
    labels[s.status] = s.label;
    add(later, s.status, s.count, s.breached);
  }
  for (const [status, c] of later) rows.push({ key: status, label: labels[status], count: c.count, breached: c.breached });
  return rows.map((r) => el("tr", { dataset: { stage: r.key } }, el("th", { scope: "row", text: r.label }), numberCell(r.count), numberCell(r.breached, r.breached > 0)));
}

function groupedRows(queue, pipeline, key, queueRows, nameOf) {
  const map = new Map();
  for (const row of queueRows) add(map, row[key], row.count, row.breached);
  for (const s of (pipeline && pipeline.stages) || []) {
    if (!QUEUE_STATUSES.has(s.status)) add(map, s[key], s.count, s.breached);
  }
  return [...map.entries()].sort(([a], [b]) => String(a).localeCompare(String(b))).map(([value, c]) =>
    el("tr", { dataset: { key: value } }, el("th", { scope: "row", text: nameOf(value) }), numberCell(c.count), numberCell(c.breached, c.breached > 0)));
}

function claimRow(claim, refresh) {
  return el("tr", { dataset: { tracking: claim.tracking_code, stage: claim.stage } },
    el("td", { class: "code" }, el("a", { href: `/petugas/permohonan/${encodeURIComponent(claim.id)}`, text: claim.tracking_code })),
    el("td", { text: claim.service_name }),
    el("td", { text: claim.claimed_by || "—" }),
    el("td", { text: `${formatDateTime(claim.lease_expires_at)}${claim.stage === "LEASE_EXPIRED" ? " (kedaluwarsa)" : ""}` }),
    el("td", { text: formatDateTime(claim.deadline_at) }),
    el("td", {}, supervisorControls(claim, refresh)));
}

function summarySection(queue, refresh) {
  return el("section", { class: "card", id: "ringkasan-antrean" },
    el("p", {}, el("strong", { id: "jumlah-antrean", text: String(queue.total) }), " permohonan di antrean verifikasi, ",
      el("strong", { id: "jumlah-lewat", text: String(queue.breached) }), " di antaranya melewati target waktu layanan."),
    el("p", { class: "hint", text: `Per ${formatDateTime(queue.at)}.` }),
    button("Muat ulang", { kind: "secondary", id: "muat-ulang", onclick: () => refresh(null) }));
}

function claimsSection(claims, refresh) {
  return el("section", { class: "card", id: "klaim" }, el("h2", { text: "Klaim verifikator" }),
    el("p", { class: "hint", text: "Kembalikan klaim ke antrean bila verifikator berhalangan, atau alihkan ke verifikator lain (klaim baru berlaku 30 menit). Verifikator lama tidak bisa lagi memutuskan permohonan itu." }),
    dataTable(["Kode", "Layanan", "Verifikator", "Klaim berlaku sampai", "Tenggat layanan", "Tindakan"],
      claims.map((c) => claimRow(c, refresh)), { id: "klaim-aktif", empty: "Tidak ada klaim yang berjalan." }));
}

function breachesSection(breaches, serviceName) {
  return el("section", { class: "card", id: "pelanggaran" }, el("h2", { text: "Melewati target waktu layanan" }),
    breaches.length
      ? dataTable(["Kode", "Layanan", "Tahap", "Tenggat", "Terlambat"], breaches.map((b) => el("tr", {}, el("td", { class: "code", text: b.tracking_code }),
        el("td", { text: serviceName[b.service_code] || b.service_code }), el("td", { text: b.status }),
        el("td", { text: formatDateTime(b.deadline_at) }), el("td", { text: `${b.hours_late} jam` }))), { id: "tabel-pelanggaran" })
      : el("p", { text: "Tidak ada permohonan yang melewati target." }));
}

function render(message) {
  return busyLoad(root, root, async () => {
    const [board, services, regions] = await Promise.all([
      staffApi("GET", "/api/v1/staff/backlog"),
      api("GET", "/api/v1/services").catch(() => ({ services: [] })),
      api("GET", "/api/v1/regions?parent=32.11").catch(() => ({ regions: [] })),
    ]);
    const { queue, pipeline } = board;
    const serviceName = Object.fromEntries((services.services || []).map((s) => [s.code, s.name]));
    const kecamatanName = Object.fromEntries((regions.regions || []).map((r) => [r.code, r.name]));
    const named = (names) => (c) => (names[c] ? `${names[c]} (${c})` : c);
    const breaches = pipeline ? pipeline.breaches : queue.breaches.map((b) => ({ ...b, status: b.stage }));
    clear(
      root,
      message ? successNotice(message, { id: "pesan-pantauan" }) : null,
      pipeline ? null : noticeBox("warning", {}, el("p", { text: "Data tahap setelah verifikasi sedang tidak tersedia; yang tampil hanya antrean verifikasi." })),
      summarySection(queue, render),
      el("section", { class: "card" }, el("h2", { text: "Per tahap" }), countTable("per-tahap", "Permohonan per tahap", "Tahap", stageRows(queue, pipeline))),
      el("div", { class: "review-grid" },
        el("section", { class: "card" }, el("h2", { text: "Per layanan" }),
          countTable("per-layanan", "Permohonan terbuka per layanan", "Layanan", groupedRows(queue, pipeline, "service_code", queue.services, named(serviceName)))),
        el("section", { class: "card" }, el("h2", { text: "Per kecamatan" }),
          countTable("per-kecamatan", "Permohonan terbuka per kecamatan", "Kecamatan", groupedRows(queue, pipeline, "kecamatan_code", queue.kecamatan, named(kecamatanName))))),
      claimsSection(queue.claims, render),
      breachesSection(breaches, serviceName),
    );
    if (message) announce(message);
  });
}

if (startStaffPage({ needs: ["supervisor"] })) render(null);
