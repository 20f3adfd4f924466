// Booking, rescheduling and cancelling the in-person visits the law requires (KTP-el
// biometrics, collecting a card): one block per step with its appointment, if any. The slot
// picker is in slot-picker.js.

import { api, clear, el, formatDateTime, nextId } from "../lib.js";
import { busyWhile, button, buttonRow, errorNotice, notice, showErrorIn } from "../ui.js";
import { appointmentText, flash, section, showFlash } from "./page.js";
import { openPicker } from "./slot-picker.js";

export function bookingSection(ctx) {
  const { view } = ctx;
  const body = el("div", { "aria-busy": "true" }, el("p", { class: "loading", text: "Memuat jadwal…" }));
  const node = section(
    "Jadwal kedatangan",
    el("p", { text: "Langkah berikut wajib dilakukan langsung di lokasi layanan. Pesan jadwal agar tidak perlu mengantre." }),
    body,
  );
  if (!view.can_book) {
    clear(
      body,
      el("ul", {}, (view.presence || []).map((p) => el("li", { text: p.label }))),
      el("p", {
        class: "muted",
        text:
          view.status === "DRAFT"
            ? "Jadwal dapat dipesan setelah permohonan diajukan."
            : "Pemesanan jadwal tidak tersedia untuk permohonan ini.",
      }),
    );
    body.removeAttribute("aria-busy");
    return node;
  }
  loadAppointments(ctx, body);
  return node;
}

/** (Re)draw the steps with their appointments; `message` says what just changed. */
async function loadAppointments(ctx, body, message = "") {
  body.setAttribute("aria-busy", "true");
  let appointments = [];
  try {
    const answer = await api("GET", `/api/v1/applications/${ctx.id}/appointments`, { token: ctx.token });
    appointments = (answer && answer.appointments) || [];
  } catch (error) {
    clear(body, errorNotice(error));
    body.removeAttribute("aria-busy");
    return;
  }
  const reload = (text) => loadAppointments(ctx, body, text);
  const steps = (ctx.view.presence || []).map((presence) => {
    const booked = appointments.find((a) => a.step === presence.step && a.status === "BOOKED");
    return stepBlock(ctx, presence, booked, reload);
  });
  const note = flash(message, "booking-flash");
  clear(body, note, steps);
  body.removeAttribute("aria-busy");
  showFlash(note, message);
}

function stepBlock(ctx, presence, appointment, reload) {
  const headingId = nextId("step");
  const block = el(
    "div",
    { class: "card step-block", "aria-labelledby": headingId, role: "group", dataset: { step: presence.step } },
    el("h3", { id: headingId, text: presence.label }),
  );
  if (presence.done_at) {
    block.append(el("p", { class: "notice notice-success", text: `Selesai pada ${formatDateTime(presence.done_at)}.` }));
    return block;
  }
  const area = el("div", {});
  const pick = (event) => openPicker(ctx, area, presence, appointment, event.currentTarget, reload);
  if (!appointment) {
    block.append(
      el("p", { class: "muted", text: "Belum ada jadwal." }),
      buttonRow(button("Pesan jadwal", { onclick: pick })),
      area,
    );
    return block;
  }
  const location = appointment.location || {};
  const cancelArea = el("div", {});
  block.append(
    el(
      "div",
      { class: "appointment", id: `janji-${presence.step}` },
      el("p", {}, el("strong", { text: "Jadwal Anda: " }), appointmentText(appointment)),
      el("p", {}, el("strong", { text: location.name || "" }), el("br"), location.address || ""),
      el("p", { class: "muted", text: "Bawa KTP-el/KK asli dan datang 10 menit sebelum jadwal." }),
    ),
    buttonRow(
      button("Ubah jadwal", { kind: "secondary", onclick: pick }),
      button("Batalkan jadwal", {
        kind: "link danger",
        onclick: () => confirmCancel(ctx, cancelArea, appointment, reload),
      }),
    ),
    cancelArea,
    area,
  );
  return block;
}

function confirmCancel(ctx, area, appointment, reload) {
  const error = el("div", {});
  const yes = button("Ya, batalkan jadwal", {
    kind: "danger",
    onclick: () =>
      busyWhile(
        yes,
        async () => {
          await api("DELETE", `/api/v1/applications/${ctx.id}/appointments/${appointment.id}`, { token: ctx.token });
          await reload("Jadwal dibatalkan.");
        },
        { onError: showErrorIn(error, errorNotice) },
      ),
  });
  const no = button("Tidak", { kind: "secondary", onclick: () => clear(area) });
  clear(area, notice("warning", el("p", { text: `Batalkan jadwal ${appointmentText(appointment)}?` }), buttonRow(yes, no), error));
  yes.focus();
}
