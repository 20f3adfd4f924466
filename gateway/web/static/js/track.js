// Track page (/permohonan): "Permohonan saya" kept on this device, opening an application by its
// tracking link (#id=...&token=...; a fragment never reaches a server), and for one application:
// status and timeline, fixing what a verifier sent back, booking an in-person visit, cancelling,
// and the issued documents, each downloaded with the PIN from the separate email. The parts are
// modules in track/; this file opens the right one.

import { api, clear, el, rememberApplication } from "./lib.js";
import { FINAL_STATUSES } from "./statuses.js";
import { notice } from "./ui.js";
import { accessLogSection } from "./track/access-log.js";
import { bookingSection } from "./track/booking.js";
import { cancelSection } from "./track/cancel.js";
import { downloadSection, revokedNotice } from "./track/download.js";
import { showIndex } from "./track/list.js";
import { flash, fragment, heading, root, setHeading, showFlash } from "./track/page.js";
import { editSection } from "./track/revision.js";
import { documentsSection, historySection, overview, rejectedNotice, timelineSection } from "./track/view.js";

/** The catalogue's document types when the form has a corrections field (PEMBETULAN), else {}. */
async function correctableTypes(view) {
  const fields = (((view.service || {}).form_schema || {}).fields || []);
  if (!fields.some((f) => f.type === "corrections")) return {};
  try {
    return (await api("GET", "/api/v1/services")).document_types || {};
  } catch {
    return {};
  }
}

async function showApplication(id, token, { focus = false, message = "" } = {}) {
  root.setAttribute("aria-busy", "true");
  let view;
  try {
    view = await api("GET", `/api/v1/applications/${encodeURIComponent(id)}`, { token });
  } catch (error) {
    setHeading("Permohonan tidak dapat dibuka", { back: true });
    const text =
      error.status === 403 || error.status === 404
        ? "Tautan pelacakan tidak berlaku atau permohonan tidak ditemukan. Periksa kembali tautan Anda."
        : error.message;
    clear(
      root,
      notice("error", el("p", { text })),
      el("p", {}, "Tautan hilang atau tidak berlaku lagi? ",
        el("a", { href: "/pulihkan", text: "Pulihkan akses dengan kode pelacakan" }), "."),
      el("p", {}, el("a", { href: "/permohonan", text: "Kembali ke Permohonan saya" })),
    );
    root.removeAttribute("aria-busy");
    return;
  }
  // An account's application (opened with the session) is listed by the server on every
  // device; only a guest link is kept on this one.
  if (token) rememberApplication({
    id,
    token,
    tracking_code: view.tracking_code,
    service_code: view.service_code,
    service_name: view.service_name,
    status: view.status,
    status_label: view.status_label,
  });
  const ctx = { id, token, view, reload: (opts) => showApplication(id, token, opts) };
  const editing = view.status === "REVISION_REQUESTED" || view.status === "DRAFT";
  if (editing) ctx.documentTypes = await correctableTypes(view);
  setHeading(view.service_name, { back: true });
  document.title = `${view.tracking_code} — ${view.status_label} — Silasidakep`;
  const note = flash(message, "flash");
  const parts = [note, revokedNotice(view), overview(ctx)];
  if (editing) parts.push(editSection(ctx));
  if (view.status === "REJECTED") parts.push(rejectedNotice(view));
  // The documents appear once issuance starts (planned ones "Sedang diterbitkan").
  if ((view.documents || []).length) parts.push(downloadSection(ctx));
  if ((view.presence || []).length && !FINAL_STATUSES.has(view.status)) parts.push(bookingSection(ctx));
  parts.push(timelineSection(view), documentsSection(view), historySection(view), accessLogSection(ctx));
  if (view.can_cancel) parts.push(cancelSection(ctx));
  clear(root, parts);
  root.removeAttribute("aria-busy");
  if (note) showFlash(note, message);
  else if (focus) heading.focus();
}

function route({ focus = false } = {}) {
  const target = fragment();
  if (target) showApplication(target.id, target.token, { focus });
  else {
    showIndex();
    root.removeAttribute("aria-busy");
  }
}

window.addEventListener("hashchange", () => route({ focus: true }));
route();
