// Reports for the Dinas (/petugas/laporan, roles supervisor, admin, auditor): a period and
// filters, the summary, charts drawn by the server as SVG, tables per service, channel,
// kecamatan and week, the most common reason codes, and CSV/XLSX downloads of the same data.
// The IKM table (section #ikm) is shown only when GET /api/v1/staff/reports/ikm answers 200.

import { announce, api, clear, el, formatDate, formatDateTime, nextId, todayWib } from "./lib.js";
import { busyLoad, setBusy, staffApi, startStaffPage } from "./staff-lib.js";
import { controlField } from "./staff-ui.js";
import { busyWhile, button, buttonRow, dataTable, errorBox, showErrorIn } from "./ui.js";
import { ikmSection } from "./staff-reports-ikm.js";

const root = document.getElementById("isi");
const READERS = ["supervisor", "admin", "auditor"];
const CHANNELS = [
  ["ONLINE", "Daring (situs web)"], ["SUPER_APP", "Aplikasi super"], ["LOKET_MPP", "Loket MPP"],
  ["KECAMATAN", "Kantor kecamatan"], ["DESA", "Kantor desa/kelurahan"],
];
const FILTERS = ["service_code", "channel", "kecamatan_code"];
let chartUrls = [];

const number = (n) => new Intl.NumberFormat("id-ID").format(n);
const percent = (share) => (share === null || share === undefined ? "—" : `${(share * 100).toFixed(1).replace(".", ",")} %`);
const days = (value) => (value === null || value === undefined ? "—" : `${String(value).replace(".", ",")} hari kerja`);

function firstOfMonth() {
  return `${todayWib().slice(0, 8)}01`;
}

function select(name, label, options) {
  const control = el("select", { id: nextId(name), name }, el("option", { value: "", text: "Semua" }),
    options.map(([value, text]) => el("option", { value, text })));
  return controlField(label, control);
}

function filterForm(services, kecamatan, initial, onSubmit) {
  const from = el("input", { type: "date", id: "laporan-dari", name: "from", required: true, value: initial.from });
  const to = el("input", { type: "date", id: "laporan-sampai", name: "to", required: true, value: initial.to });
  const form = el("form", { id: "form-laporan", class: "card", novalidate: true },
    el("h2", { text: "Periode dan saringan" }),
    el("div", { class: "report-filters" },
      controlField("Dari tanggal", from), controlField("Sampai tanggal", to),
      select("service_code", "Layanan", services.map((s) => [s.code, s.name])),
      select("channel", "Kanal", CHANNELS),
      select("kecamatan_code", "Kecamatan", kecamatan.map((r) => [r.code, r.name]))),
    el("p", { class: "hint", text: "Tanggal dalam WIB, paling panjang 366 hari." }));
  for (const name of FILTERS) form.elements[name].value = initial[name] || "";
  const status = el("div", { class: "form-status" });
  const submit = button("Tampilkan laporan", { type: "submit", id: "tampilkan" });
  form.append(buttonRow(submit), status);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busyWhile(submit, async () => {
      await onSubmit(paramsOf(form));
      clear(status);
    }, { onError: showErrorIn(status), reenable: true });
  });
  return form;
}

function paramsOf(form) {
  const params = new URLSearchParams();
  for (const name of ["from", "to", ...FILTERS]) {
    const value = form.elements[name].value;
    if (value) params.set(name, value);
  }
  return params;
}

function summary(report) {
  const t = report.total;
  const fact = (id, label, value) => el("div", { class: "report-fact" }, el("dt", { text: label }), el("dd", { id, text: value }));
  return el("section", { class: "card", id: "ringkasan" },
    el("h2", { text: `Ringkasan ${formatDate(report.period.from)} – ${formatDate(report.period.to)}` }),
    el("dl", { class: "report-facts" },
      fact("total-diterima", "Diterima", number(t.received)),
      fact("total-terbit", "Terbit", number(t.issued)),
      fact("total-ditolak", "Ditolak", number(t.rejected)),
      fact("total-dibatalkan", "Dibatalkan", number(t.cancelled)),
      fact("total-median", "Median sampai terbit", days(t.median_working_days)),
      fact("total-p90", "Persentil 90 sampai terbit", days(t.p90_working_days)),
      fact("total-tepat-waktu", "Terbit dalam target", percent(t.within_target_share)),
      fact("total-revisi", "Tingkat revisi", percent(t.revision_rate)),
      fact("total-daring", "Porsi daring", percent(t.online_share)),
      fact("total-janji", "Janji temu hadir / dipesan", `${number(t.appointments_attended)} / ${number(t.appointments_booked)}`)),
    el("p", { class: "hint", text: `Dibuat ${formatDateTime(report.generated_at)}. Penjelasan tiap angka: docs/reports.md.` }));
}

function download(params, extension) {
  return button(`Unduh ${extension.toUpperCase()}`, {
    kind: "secondary", id: `unduh-${extension}`,
    onclick: (event) => busyWhile(event.currentTarget, async () => {
      const response = await staffApi("GET", `/api/v1/staff/reports.${extension}?${params}`, { raw: true });
      const url = URL.createObjectURL(await response.blob());
      const link = el("a", { href: url, download: `laporan-silasidakep-${params.get("from")}-${params.get("to")}.${extension}` });
      document.body.append(link);
      link.click();
      link.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10000);
    }, { reenable: true, onError: (error) => announce(error.message) }),
  });
}

const FIGURE_HEADS = ["Diterima", "Terbit", "Ditolak", "Dibatalkan", "Median", "P90", "Dalam target", "Revisi", "Daring", "Janji hadir/dipesan"];

function figureCells(row) {
  const cell = (text) => el("td", { class: "num", text });
  return [number(row.received), number(row.issued), number(row.rejected), number(row.cancelled),
    days(row.median_working_days), days(row.p90_working_days), percent(row.within_target_share),
    percent(row.revision_rate), percent(row.online_share),
    `${number(row.appointments_attended)}/${number(row.appointments_booked)}`].map(cell);
}

function groupTable(id, heading, first, rows, label = (r) => r.name) {
  return el("section", { class: "card" }, el("h2", { text: heading }),
    dataTable([first, ...FIGURE_HEADS], rows.map((r) => el("tr", { dataset: { code: r.code || r.week_start } },
      el("th", { scope: "row", text: label(r) }), figureCells(r))), { id, class: "report-table", empty: "Tidak ada data." }));
}

function reasonsTable(report) {
  const kinds = { REVISION_REQUESTED: "Revisi", REJECTED: "Penolakan" };
  return el("section", { class: "card" }, el("h2", { text: "Alasan terbanyak" }),
    dataTable(["Keputusan", "Kode", "Alasan", "Jumlah"], report.reason_codes.map((r) => el("tr", { dataset: { code: r.code } },
      el("td", { text: kinds[r.decision] || r.decision }), el("td", { class: "code", text: r.code }),
      el("td", { text: r.label }), el("td", { class: "num", text: number(r.count) }))),
    { id: "tabel-alasan", empty: "Tidak ada permintaan revisi atau penolakan dalam periode ini." }));
}

function chartsSection(charts) {
  for (const url of chartUrls) URL.revokeObjectURL(url);
  chartUrls = charts.map((c) => URL.createObjectURL(new Blob([c.svg], { type: "image/svg+xml" })));
  return el("section", { class: "card", id: "grafik" }, el("h2", { text: "Grafik" }),
    charts.map((c, i) => el("figure", { class: "report-chart", id: `grafik-${c.id}` },
      el("img", { src: chartUrls[i], alt: c.title }), el("figcaption", { text: c.title }))));
}

async function show(results, params) {
  const query = params.toString();
  const [report, charts] = await Promise.all([
    staffApi("GET", `/api/v1/staff/reports?${query}`),
    staffApi("GET", `/api/v1/staff/reports/charts?${query}`),
  ]);
  window.history.replaceState(null, "", `${window.location.pathname}?${query}`);
  const ikm = el("section", { class: "card", id: "ikm", hidden: true });
  clear(results,
    summary(report),
    el("div", { class: "card", id: "unduhan" }, el("h2", { text: "Unduh data" }), buttonRow(download(params, "csv"), download(params, "xlsx"))),
    chartsSection(charts.charts),
    groupTable("tabel-layanan", "Per layanan", "Layanan", report.by_service),
    groupTable("tabel-kanal", "Per kanal", "Kanal", report.by_channel),
    groupTable("tabel-kecamatan", "Per kecamatan", "Kecamatan", report.by_kecamatan),
    groupTable("tabel-mingguan", "Tren per minggu", "Minggu mulai", report.weekly, (w) => formatDate(w.week_start)),
    reasonsTable(report),
    ikm);
  announce("Laporan ditampilkan.");
  ikmSection(ikm, params);  // fills and shows #ikm only when the IKM endpoint answers 200
}

async function render() {
  const [services, regions] = await Promise.all([
    api("GET", "/api/v1/services").catch(() => ({ services: [] })),
    api("GET", "/api/v1/regions?parent=32.11").catch(() => ({ regions: [] })),
  ]);
  const asked = new URLSearchParams(window.location.search);
  const initial = { from: asked.get("from") || firstOfMonth(), to: asked.get("to") || todayWib() };
  for (const name of FILTERS) initial[name] = asked.get(name) || "";
  const results = el("div", { id: "hasil-laporan" });
  const form = filterForm(services.services || [], regions.regions || [], initial, (params) => show(results, params));
  clear(root, form, results);
  setBusy(root, true);
  try {
    await show(results, paramsOf(form));
  } catch (error) {
    clear(results, errorBox(error));
  } finally {
    setBusy(root, false);
  }
}

if (startStaffPage({ needs: READERS })) busyLoad(root, root, render);
