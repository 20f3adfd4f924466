// What the parts of the track page (/permohonan) share: its containers, the heading, the
// tracking link in the fragment (#id=...&token=...; a fragment never reaches a server), and the
// page's sections and flash messages.

import { announce, el, formatBytes, formatDate, formatTime, nextId, signedIn, UPLOAD_TYPES } from "../lib.js";
import { notice } from "../ui.js";

export const root = document.getElementById("isi");
export const heading = document.getElementById("judul");

/** The application named by the fragment, or null. */
export function fragment() {
  return linkTarget(window.location.hash.slice(1));
}

/** {id, token} from a fragment's parameters, or null when either is missing. A signed-in
 * citizen opens their account's applications by id alone (token null: the session cookie). */
export function linkTarget(hash) {
  const params = new URLSearchParams(hash);
  const id = params.get("id");
  const token = params.get("token");
  if (id && !token && signedIn()) return { id, token: null };
  return id && token ? { id, token } : null;
}

export function setHeading(text, { back = false } = {}) {
  heading.textContent = text;
  document.getElementById("kembali").hidden = !back;
}

export function section(title, ...children) {
  const id = nextId("sec");
  return el("section", { class: "section", "aria-labelledby": id }, el("h2", { id, text: title }), ...children);
}

/** A success message to focus once shown (see showFlash); `className` marks its line. */
export function flash(message, className) {
  return message ? notice("success", el("p", { tabindex: "-1", class: className, text: message })) : null;
}

/** Focus a shown flash message and read it out. */
export function showFlash(node, message) {
  if (!node) return;
  node.querySelector("p").focus();
  announce(message);
}

/** "PDF, 1,2 MB" for an uploaded document. */
export function fileText(doc) {
  return `${UPLOAD_TYPES[doc.content_type] || doc.content_type}, ${formatBytes(doc.size)}`;
}

/** When a booked visit is: "Senin, 4 Mei 2026, pukul 08:00–09:00 WIB". */
export function appointmentText(appointment) {
  const slot = appointment.slot || {};
  return `${formatDate(slot.date)}, pukul ${formatTime(slot.start_time)}\u2013${formatTime(slot.end_time)} WIB`;
}
