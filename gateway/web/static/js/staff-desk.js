// Kecamatan desk (/petugas/kecamatan): one location's appointments on one day, and attendance.

import { announce, api, clear, el, formatDate, formatTime, nextId, todayWib } from "./lib.js";
import { busyLoad, staffApi, startStaffPage } from "./staff-lib.js";
import { controlField } from "./staff-ui.js";
import { APPOINTMENT_STATUS, labelOf } from "./statuses.js";
import { button, buttonRow, dataTable, errorBox } from "./ui.js";

const root = document.getElementById("isi");

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
    el("td", { text: labelOf(APPOINTMENT_STATUS, appointment.status) }),
    el("td", {},
      button("Hadir", { kind: "secondary", onclick: mark(true) }), " ",
      button("Tidak hadir", { kind: "link", onclick: mark(false) })));
}

function dayView(day, refresh, status) {
  const slots = day.slots || [];
  if (!slots.length) return el("p", { text: "Tidak ada jadwal layanan pada hari ini." });
  return slots.map((slot) => el("section", { class: "card slot-day" },
    el("h2", { text: `${formatTime(slot.start_time)}–${formatTime(slot.end_time)} WIB · ${slot.booked}/${slot.capacity} terisi` }),
    (slot.appointments || []).length
      ? dataTable(["Pemohon", "Permohonan", "Keperluan", "Status", "Kehadiran"], slot.appointments.map((a) => appointmentRow(a, refresh, status)))
      : el("p", { class: "hint", text: "Belum ada yang memesan." })));
}

async function render() {
  const { locations } = await api("GET", "/api/v1/locations");
  const select = el("select", { id: nextId("lokasi"), name: "location" }, locations.map((l) => el("option", { value: l.code, text: `${l.name} (${l.code})` })));
  const date = el("input", { type: "date", id: nextId("tanggal"), name: "date", value: todayWib() });
  const status = el("div", { id: "status-loket" });
  const list = el("div", { id: "daftar-janji" });
  const refresh = () => {
    clear(status);
    return busyLoad(root, list, async () => {
      const day = await staffApi("GET", `/api/v1/staff/locations/${encodeURIComponent(select.value)}/appointments?date=${encodeURIComponent(date.value)}`);
      clear(list, el("p", { class: "lead", text: `${day.location.name} — ${formatDate(day.date)}` }), dayView(day, refresh, status));
    });
  };
  const form = el("form", { class: "grid-2 filter-bar" },
    controlField("Lokasi layanan", select),
    controlField("Tanggal", date),
    buttonRow(button("Tampilkan", { type: "submit" })));
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
