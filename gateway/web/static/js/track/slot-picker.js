// Choosing a location and a free slot in the next two weeks, to book a visit or move one.

import { api, clear, el, formatDate, formatTime, nextId, todayWib } from "../lib.js";
import { busyWhile, button, buttonRow, errorNotice } from "../ui.js";
import { plainField } from "../form/controls.js";
import { clearErrors, flattenErrors, setFieldError, showErrors, summaryBox } from "../form/errors.js";
import { appointmentText } from "./page.js";

const BOOKING_DAYS = 14;

/** The free and full slots at one location, by day, as radio buttons. */
function slotChoices(slots) {
  const byDate = new Map();
  for (const slot of slots) byDate.set(slot.date, [...(byDate.get(slot.date) || []), slot]);
  return el(
    "fieldset",
    { class: "field", dataset: { path: "slot_id", label: "Jadwal" } },
    el("legend", { text: "Pilih tanggal dan jam (WIB)" }),
    el("p", { class: "field-error", hidden: true }),
    [...byDate].map(([date, items]) =>
      el(
        "div",
        { class: "slot-day" },
        el("h5", { text: formatDate(date) }),
        el("ul", { class: "slot-list" }, items.map(slotChoice)),
      ),
    ),
  );
}

function slotChoice(slot) {
  const full = slot.remaining <= 0 || slot.available === false;
  const id = `slot-${slot.id}`;
  return el(
    "li",
    {},
    el(
      "label",
      { for: id, class: full ? "full" : null },
      el("input", { type: "radio", name: "slot", id, value: slot.id, disabled: full }),
      el(
        "span",
        {},
        el("span", { class: "slot-time", text: `${formatTime(slot.start_time)}\u2013${formatTime(slot.end_time)}` }),
        " ",
        el("span", { class: "muted", text: full ? "(penuh)" : `(sisa ${slot.remaining} tempat)` }),
      ),
    ),
  );
}

/**
 * Open the picker in `area` for one step (moving `appointment` when there is one); `trigger` is
 * hidden meanwhile. `done(message)` redraws the steps after booking.
 */
export async function openPicker(ctx, area, presence, appointment, trigger, done) {
  if (trigger) trigger.hidden = true;
  const close = () => {
    clear(area);
    if (trigger) {
      trigger.hidden = false;
      trigger.focus();
    }
  };
  const summary = summaryBox();
  const select = el("select", { id: nextId("lokasi") }, el("option", { value: "", text: "Memuat lokasi…" }));
  const locationField = plainField("Lokasi layanan", select, { path: "location", summaryLabel: "Lokasi" });
  const slotsArea = el("div", { class: "slots", "aria-live": "polite" });
  const submit = button(appointment ? "Pindahkan ke jadwal ini" : "Pesan jadwal ini", { type: "submit" });
  const form = el(
    "form",
    { novalidate: true, class: "picker" },
    el("h4", { text: appointment ? "Pilih jadwal baru" : "Pilih lokasi dan jadwal" }),
    summary,
    locationField,
    slotsArea,
    buttonRow(submit, button("Batal", { kind: "secondary", onclick: close })),
  );
  clear(area, form);
  select.focus();

  async function showSlots() {
    setFieldError(locationField, []);
    if (!select.value) {
      clear(slotsArea);
      return;
    }
    clear(slotsArea, el("p", { class: "loading", text: "Memuat jadwal…" }));
    try {
      const from = todayWib();
      const to = todayWib(BOOKING_DAYS - 1);
      const answer = await api(
        "GET",
        `/api/v1/locations/${encodeURIComponent(select.value)}/slots?from=${from}&to=${to}`,
      );
      const location = answer.location || {};
      const slots = (answer.slots || []).filter((s) => !appointment || s.id !== appointment.slot.id);
      if (!slots.length) {
        clear(slotsArea, el("p", { text: "Belum ada jadwal tersedia di lokasi ini dalam dua minggu ke depan. Coba lokasi lain." }));
        return;
      }
      clear(slotsArea, location.address ? el("p", { class: "muted", text: location.address }) : null, slotChoices(slots));
    } catch (error) {
      clear(slotsArea, errorNotice(error));
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(form, summary);
    const chosen = form.querySelector("input[name=slot]:checked");
    if (!select.value) {
      showErrors(form, summary, { location: ["Pilih lokasi layanan."] });
      return;
    }
    if (!chosen) {
      showErrors(form, summary, { slot_id: ["Pilih salah satu jadwal."] });
      return;
    }
    busyWhile(
      submit,
      async () => {
        const slotId = Number(chosen.value);
        // ctx.base: the counter books through /api/v1/staff/front-office/applications.
        const base = `${ctx.base || "/api/v1/applications"}/${ctx.id}/appointments`;
        const booked = appointment
          ? await api("PUT", `${base}/${appointment.id}`, { token: ctx.token, body: { slot_id: slotId } })
          : await api("POST", base, { token: ctx.token, body: { step: presence.step, slot_id: slotId } });
        await done(`${appointment ? "Jadwal diubah" : "Jadwal dipesan"}: ${appointmentText(booked)}.`);
      },
      {
        onError(error) {
          const fields = flattenErrors(error.fields || {});
          delete fields.appointment_id;
          if (!Object.keys(fields).length) fields.slot_id = [error.message];
          showErrors(form, summary, fields);
          if (error.code === "SLOT_FULL") showSlots();
        },
      },
    );
  });

  try {
    const { locations } = await api("GET", `/api/v1/locations?step=${encodeURIComponent(presence.step)}`);
    clear(select,
      el("option", { value: "", text: locations.length ? "— Pilih lokasi —" : "Belum ada lokasi" }),
      locations.map((l) => el("option", { value: l.code, text: l.name })),
    );
    const current = appointment && appointment.location ? appointment.location.code : "";
    if (current && locations.some((l) => l.code === current)) {
      select.value = current;
      await showSlots();
    } else if (locations.length === 1) {
      select.value = locations[0].code;
      await showSlots();
    }
    select.addEventListener("change", showSlots);
  } catch (error) {
    clear(slotsArea, errorNotice(error));
  }
}
