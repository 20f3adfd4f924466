// Building blocks of the staff console: labelled controls and checkbox groups, a form's submit
// button with its status line, and viewing a scan or draft fetched with the staff token.
// (Buttons, notices and tables shared with the citizen pages are in ui.js.)

import { announce, clear, el, humanize, nextId } from "./lib.js";
import { blobUrl } from "./staff-lib.js";
import { busyWhile, button, buttonRow, errorBox, loading, showErrorIn, successNotice } from "./ui.js";

/** A value as the review shows it: "—" when empty, Ya/Tidak, codes with their label. */
export function showValue(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "Ya" : "Tidak";
  if (typeof value === "string" && /^[A-Z][A-Z0-9_]+$/.test(value) && value.includes("_")) {
    return `${humanize(value)} (${value})`;
  }
  return String(value);
}

/** A NIK or KK number masked as the services mask it (silasidakep/masking.py): `3211**********01`. */
export function maskNik(value) {
  const digits = String(value || "").replace(/[\s.-]/g, "");
  if (!/^\d{16}$/.test(digits)) return "*".repeat(String(value || "").length);
  return `${digits.slice(0, 4)}${"*".repeat(10)}${digits.slice(-2)}`;
}

/** A labelled control (div.field > div.control); the control gets an id from `idPrefix` if it has none. */
export function controlField(label, control, { hint, idPrefix = "f" } = {}) {
  if (!control.id) control.id = nextId(idPrefix);
  return el(
    "div",
    { class: "field" },
    el("div", { class: "control" }, el("label", { for: control.id, text: label }), control),
    hint ? el("p", { class: "hint", text: hint }) : null,
  );
}

/** A group of checkboxes named `name` from [value, label] options, `checked` ticked. */
export function checkboxes(legend, name, options, { checked = [], ...attrs } = {}) {
  return el(
    "fieldset",
    { class: "field", ...attrs },
    el("legend", { text: legend }),
    options.map(([value, label]) => {
      const id = nextId(name);
      return el(
        "div",
        { class: "check" },
        el("input", { type: "checkbox", id, name, value, checked: checked.includes(value) }),
        el("label", { for: id, text: label }),
      );
    }),
  );
}

/** The values of the ticked checkboxes named `name` in `form`. */
export function checkedValues(form, name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((input) => input.value);
}

/**
 * Add a submit button and a status line to a form; `send` does the work and may return a
 * success message to show. A failure is shown in the form's status line, never lost.
 */
export function submitting(form, label, send) {
  const status = el("div", { class: "form-status" });
  const submit = button(label, { type: "submit" });
  form.append(buttonRow(submit), status);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busyWhile(
      submit,
      async () => {
        const message = await send();
        if (message) {
          clear(status, successNotice(message));
          announce(message);
        }
      },
      { onError: showErrorIn(status), reenable: true },
    );
  });
}

/** An inline viewer: PDF in a frame, images as <img>. */
export function viewer(url, type, title) {
  if (type === "application/pdf") {
    return el("iframe", { class: "scan-frame", src: url, title });
  }
  return el("img", { class: "scan-image", src: url, alt: title });
}

/**
 * Fetch a PDF (a Suket, a draft) with the staff token and show it in `holder` under `heading`,
 * with `busyText` while it loads. Resolves with the blob: URL, or null after a failure.
 */
export async function showPdf(holder, path, { heading, title, busyText }) {
  clear(holder, loading(busyText));
  try {
    const { url, type } = await blobUrl(path);
    clear(holder, el("h2", { text: heading }), viewer(url, type || "application/pdf", title));
    return url;
  } catch (error) {
    clear(holder, errorBox(error));
    return null;
  }
}
