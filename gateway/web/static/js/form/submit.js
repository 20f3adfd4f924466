// Sending a citizen form: the page's own checks first, then the request with the form busy (one
// submission at a time), and a failure shown as errors next to the fields the server names, or
// in the summary when it names none. Screen-reader users are told how many errors there are.

import { announce, ApiError, clear } from "../lib.js";
import { outageNotice } from "../ui.js";
import { clearErrors, flattenErrors, showErrors } from "./errors.js";

/**
 * Show errors ({path: [messages]}) and announce how many; `hint` adds where to look. Returns how
 * many were shown.
 */
export function reportErrors(root, summary, errors, { intro, hint = true } = {}) {
  const shown = showErrors(root, summary, errors, { intro });
  announce(hint ? `Ada ${shown} kesalahan. Periksa kembali isian yang ditandai.` : `Ada ${shown} kesalahan.`);
  return shown;
}

/**
 * What a failed send says per field: an ApiError's own fields; for a failed upload
 * ({path, error} from uploadChosen) its message at the document's field; else its message under
 * "_" (the summary only). `intro` is the message when the error also named fields.
 */
export function failureErrors(failure) {
  const path = failure && failure.path;
  let error = path ? failure.error : failure;
  if (!(error instanceof ApiError)) error = new ApiError(0, "ERROR", String(error));
  const fields = flattenErrors(error.fields || {});
  if (!Object.keys(fields).length) fields[path || "_"] = [error.message];
  return { fields, intro: Object.keys(error.fields || {}).length ? error.message : undefined };
}

/**
 * An outage (503) while sending: the summary says when to try again, with a button that sends
 * the form again as it is (everything typed, and files already uploaded, stay). Returns 1.
 */
function reportOutage(root, summary, error) {
  const retry = root.tagName === "FORM" ? () => root.requestSubmit() : null;
  for (const wrapper of root.querySelectorAll(".has-error")) wrapper.classList.remove("has-error");
  clear(summary, outageNotice(error, retry));
  summary.hidden = false;
  summary.focus();
  announce(error.message);
  return 1;
}

/** Show a failed send in the form (see failureErrors); `intro: false` leaves the summary's intro out. */
export function reportFailure(root, summary, failure, { intro = true, hint = false } = {}) {
  const error = failure && failure.path ? failure.error : failure;
  if (error instanceof ApiError && error.outage && summary) return reportOutage(root, summary, error);
  const errors = failureErrors(failure);
  return reportErrors(root, summary, errors.fields, { intro: intro ? errors.intro : undefined, hint });
}

/**
 * Handle the form's submit: clear the old errors; `validate()` returns {path: [messages]}, and
 * any stop the submit (shown and announced); else `send()` runs between `busy(true)` and
 * `busy(false)`, with a second submit ignored meanwhile. A failure goes to `failed(failure)`,
 * by default shown with reportFailure.
 */
export function handleSubmit(form, summary, { validate = () => ({}), send, busy = () => {}, failed }) {
  let sending = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (sending) return;
    clearErrors(form, summary);
    const errors = validate();
    if (Object.keys(errors).length) {
      reportErrors(form, summary, errors);
      return;
    }
    sending = true;
    busy(true);
    try {
      await send();
    } catch (failure) {
      if (failed) failed(failure);
      else reportFailure(form, summary, failure);
    } finally {
      sending = false;
      busy(false);
    }
  });
}

/** A busy(state) for handleSubmit: the submit button disabled and the form aria-busy meanwhile. */
export function busyButton(form, button) {
  return (state) => {
    button.disabled = state;
    if (state) form.setAttribute("aria-busy", "true");
    else form.removeAttribute("aria-busy");
  };
}
