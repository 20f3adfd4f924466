// How statuses are shown: the label tables for the codes the pages receive bare (the services
// label an application's own status, its steps and history themselves), the status badge, and an
// application's timeline and history.

import { el, formatDateTime } from "./lib.js";

// An application in one of these is finished: no booking, no expected date.
export const FINAL_STATUSES = new Set(["CANCELLED", "REJECTED"]);

// A complaint as the citizen sees it, and as the staff list filters it (in this order).
export const COMPLAINT_STATUS = { OPEN: "Menunggu tanggapan", ANSWERED: "Sudah dijawab", CLOSED: "Selesai" };
export const COMPLAINT_STATUS_STAFF = { OPEN: "Belum dijawab", ANSWERED: "Sudah dijawab", CLOSED: "Ditutup" };

// An application in the verification queue.
export const QUEUE_STATE = {
  PENDING: "Menunggu di antrean",
  CLAIMED: "Sedang diperiksa",
  DECIDED: "Sudah diputuskan",
  CANCELLED: "Dibatalkan pemohon",
};

// A verifier's decision (the verification service's decision codes).
export const DECISION_LABELS = { APPROVE: "Setujui", REQUEST_REVISION: "Minta perbaikan", REJECT: "Tolak" };

export const APPOINTMENT_STATUS = {
  BOOKED: "Terjadwal",
  ATTENDED: "Hadir",
  NO_SHOW: "Tidak hadir",
  CANCELLED: "Dibatalkan",
};

// A print job at the kecamatan desk.
export const PRINT_JOB_STATE = {
  QUEUED_AT_KECAMATAN: "Siap dicetak",
  AWAITING_BLANKO: "Menunggu blanko",
  PRINTED: "Dicetak, menunggu diambil",
  COLLECTED: "Sudah diambil",
};

// One document of a signing batch.
export const SIGNING_RESULT = {
  SIGNED: "Ditandatangani",
  ALREADY_SIGNED: "Sudah ditandatangani sebelumnya",
  NOT_AWAITING_SIGNATURE: "Tidak sedang menunggu tanda tangan",
  NOT_FOUND: "Tidak ditemukan",
  FAILED: "Gagal — coba lagi",
};

// How a card type (blanko) is written; which outputs are cards is the API's to say.
export const CARD_LABELS = { KTP_EL: "KTP-el", KIA: "KIA" };

/** The label of a code in one of the tables above, or the code itself when it has none. */
export function labelOf(table, code) {
  return table[code] || code;
}

/** A status badge, e.g. statusBadge("status", "SUBMITTED", "Diajukan") -> span.status-SUBMITTED. */
export function statusBadge(kind, code, text, attrs = {}) {
  return el("span", { class: `status-badge ${kind}-${code}`, ...attrs, text });
}

const STEP_STATE = { done: "selesai", current: "tahap saat ini", upcoming: "belum" };

/** An application's stages in order ({status, label, state: done|current|upcoming, at}). */
export function timeline(steps) {
  return el(
    "ol",
    { class: "timeline" },
    steps.map((step) =>
      el(
        "li",
        { class: `${step.state} step-${step.status}`, "aria-current": step.state === "current" ? "step" : null },
        el("span", { class: "dot", "aria-hidden": "true", text: step.state === "done" ? "\u2713" : "" }),
        el(
          "span",
          { class: "step-label" },
          step.label,
          el("span", { class: "visually-hidden", text: ` (${STEP_STATE[step.state] || step.state})` }),
        ),
        // An upcoming step may carry the time of an earlier round; it has not happened yet.
        step.at && step.state !== "upcoming" ? el("span", { class: "step-when", text: formatDateTime(step.at) }) : null,
      ),
    ),
  );
}

/** Every status change, oldest first, with its reason and note. */
export function historyList(history) {
  return el(
    "ol",
    { class: "doc-list" },
    history.map((h) =>
      el(
        "li",
        {},
        el("strong", { text: h.label || h.status }),
        ` \u2014 ${formatDateTime(h.at)}`,
        h.reason ? el("p", { class: "muted", text: `Alasan: ${h.reason}` }) : null,
        h.note ? el("p", { class: "muted", text: `Catatan: ${h.note}` }) : null,
      ),
    ),
  );
}
