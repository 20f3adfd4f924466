// Kecamatan desk (/petugas/kecamatan): one location's appointments on one day, and attendance.

import { announce, api, clear, el, formatDate, formatTime, nextId, todayWib } from "./lib.js";
import { errorBox, setBusy, staffApi, startStaffPage } from "./staff-lib.js";

const root = document.getElementById("isi");
const STATUS_LABELS = {
  BOOKED: "Terjadwal",
  ATTENDED: "Hadir",
  NO_SHOW: "Tidak hadir",
  CANCELLED: "Dibatalkan",
};

function appointmentRow(appointment, refresh, status) {
  const mark = (attended) => async () => {
    try {
      await staffApi("POST", `/api/v1/staff/appointments/${appointment.id}/attendance`, { body: { attended } });
      announce(attended ? "Kehadiran dicatat." : "Tidak hadir dicatat.");
      await refresh();
    } catch (error) {
      clear(status, errorBox(error));
    }
  };
  const who = appointment.applicant || {};
  return el("tr", { dataset: { appointment: appointment.id } },
    el("td", {}, el("strong", { text: who.name || "—" }), el("br"), el("span", { class: "hint", text: who.nik_masked || "" })),
    el("td", {}, el("span", { class: "code", text: appointment.tracking_code }), el("br"), el("span", { class: "hint", text: appointment.service_name || appointment.service_code || "" })),
    el("td", { text: appointment.step_label || appointment.step }),
    el("td", { text: STATUS_LABELS[appointment.status] || appointment.status }),
    el("td", {},
      el("button", { type: "button", class: "button secondary", onclick: mark(true) }, "Hadir"), " ",
      el("button", { type: "button", class: "button link", onclick: mark(false) }, "Tidak hadir")));
}

function dayView(day, refresh, status) {
  const slots = day.slots || [];
  if (!slots.length) return el("p", { text: "Tidak ada jadwal layanan pada hari ini." });
  return slots.map((slot) => el("section", { class: "card slot-day" },
    el("h2", { text: `${formatTime(slot.start_time)}–${formatTime(slot.end_time)} WIB · ${slot.booked}/${slot.capacity} terisi` }),
    (slot.appointments || []).length
      ? el("div", { class: "table-wrap" }, el("table", {},
        el("thead", {}, el("tr", {}, ["Pemohon", "Permohonan", "Keperluan", "Status", "Kehadiran"].map((h) => el("th", { scope: "col", text: h })))),
        el("tbody", {}, slot.appointments.map((a) => appointmentRow(a, refresh, status)))))
      : el("p", { class: "hint", text: "Belum ada yang memesan." })));
}

async function render() {
  const { locations } = await api("GET", "/api/v1/locations");
  const locId = nextId("lokasi");
  const dateId = nextId("tanggal");
  const select = el("select", { id: locId, name: "location" }, locations.map((l) => el("option", { value: l.code, text: `${l.name} (${l.code})` })));
  const date = el("input", { type: "date", id: dateId, name: "date", value: todayWib() });
  const status = el("div", { id: "status-loket" });
  const list = el("div", { id: "daftar-janji" });
  async function refresh() {
    clear(status);
    setBusy(root, true);
    try {
      const day = await staffApi("GET", `/api/v1/staff/locations/${encodeURIComponent(select.value)}/appointments?date=${encodeURIComponent(date.value)}`);
      clear(list, el("p", { class: "lead", text: `${day.location.name} — ${formatDate(day.date)}` }), dayView(day, refresh, status));
    } catch (error) {
      clear(list, errorBox(error));
    } finally {
      setBusy(root, false);
    }
  }
  const form = el("form", { class: "grid-2 filter-bar" },
    el("div", { class: "field" }, el("div", { class: "control" }, el("label", { for: locId, text: "Lokasi layanan" }), select)),
    el("div", { class: "field" }, el("div", { class: "control" }, el("label", { for: dateId, text: "Tanggal" }), date)),
    el("div", { class: "button-row" }, el("button", { type: "submit", class: "button" }, "Tampilkan")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    refresh();
  });
  clear(root, form, status, list);
  if (!locations.length) {
    clear(list, el("p", { text: "Belum ada lokasi layanan. Admin menambahkannya di halaman Admin." }));
    return;
  }
  await refresh();
}

if (startStaffPage({ needs: ["verifier", "supervisor", "kecamatan_operator"] })) {
  render().catch((error) => clear(root, errorBox(error)));
}
