// The applications a verifier has claimed: remembered in this tab (for when the API's list of
// my claims cannot be reached), and a supervisor's controls to return or move a claim.

import { el, nextId, readList, writeList } from "./lib.js";
import { CLAIMS_KEY, staffApi } from "./staff-lib.js";
import { busyWhile, button, showErrorIn } from "./ui.js";

export function myClaims() {
  return readList(CLAIMS_KEY, "sessionStorage");
}

function saveClaims(list) {
  writeList(CLAIMS_KEY, list, "sessionStorage");
}

export function rememberClaim(item) {
  const entry = {
    id: item.id,
    tracking_code: item.tracking_code,
    service_code: item.service_code,
    service_name: (item.requirements && item.requirements.service_name) || item.service_code,
    lease_expires_at: item.lease_expires_at,
    round: item.round,
  };
  saveClaims([entry, ...myClaims().filter((c) => c.id !== item.id)].slice(0, 30));
}

export function forgetClaim(id) {
  saveClaims(myClaims().filter((c) => c.id !== id));
}

/**
 * A supervisor's controls for one claimed application: put it back in the queue, or hand it to
 * another verifier. `done(message)` runs after either succeeds (typically a reload).
 */
export function supervisorControls(claim, done) {
  const status = el("div");
  const showError = showErrorIn(status);
  const back = button("Kembalikan ke antrean", {
    kind: "secondary",
    onclick: () =>
      busyWhile(
        back,
        async () => {
          await staffApi("POST", `/api/v1/staff/applications/${claim.id}/return`);
          await done(`Permohonan ${claim.tracking_code} dikembalikan ke antrean.`);
        },
        { onError: showError },
      ),
  });
  const inputId = nextId("alihkan");
  const username = el("input", { type: "text", id: inputId, name: "username", autocomplete: "off", size: 16 });
  const move = el("form", { class: "inline-form", novalidate: true },
    el("label", { for: inputId, text: "Alihkan ke verifikator" }), username,
    button("Alihkan", { type: "submit", kind: "link" }));
  move.addEventListener("submit", async (event) => {
    event.preventDefault();
    const target = username.value.trim();
    try {
      await staffApi("POST", `/api/v1/staff/applications/${claim.id}/reassign`, { body: { username: target } });
      await done(`Permohonan ${claim.tracking_code} dialihkan ke ${target}.`);
    } catch (error) {
      showError(error);
    }
  });
  return el("div", { class: "supervisor-actions" }, back, move, status);
}
