// A two-step form: a value (a tracking code, a contact), then the 6-digit code we send for it.
// Used to attach a guest application, to add a contact and to recover a lost link.

import { announce, clear, el } from "../lib.js";
import { button, buttonRow, notice } from "../ui.js";
import { codeInput, plainField } from "../form/controls.js";
import { clearErrors, showErrors, summaryBox } from "../form/errors.js";

/** The error's field messages, or its message under `path`. */
export function fieldsOr(error, path) {
  return error.fields && Object.keys(error.fields).length ? error.fields : { [path]: [error.message] };
}

/**
 * `send(value)` asks for the code and resolves with the text to show; `confirm(value, code)`
 * uses it. `field` = {id, label, path, hint, attrs} of the first input.
 */
export function codeForm({ field, confirmLabel, send, confirm, kind }) {
  const summary = summaryBox();
  const info = el("div");
  const value = codeInput(field.id, field.attrs || {});
  const code = codeInput(`${field.id}-kode`, { inputmode: "numeric", maxlength: "6", autocomplete: "one-time-code" });
  const codeField = plainField("Kode dari pesan", code, { path: "code", hint: "Kode 6 angka, berlaku 5 menit." });
  codeField.hidden = true;
  const submit = button("Kirim kode", { type: "submit", kind });
  const form = el("form", { novalidate: true }, info, summary,
    plainField(field.label, value, { path: field.path, hint: field.hint }), codeField, buttonRow(submit));
  let sent = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form, summary);
    submit.disabled = true;
    try {
      if (!sent) {
        const text = await send(value.value.trim());
        sent = true;
        codeField.hidden = false;
        submit.textContent = confirmLabel;
        clear(info, notice("info", el("p", { text })));
        announce(text);
        code.focus();
      } else {
        await confirm(value.value.trim(), code.value.trim());
        return;
      }
    } catch (error) {
      showErrors(form, summary, fieldsOr(error, sent ? "code" : field.path));
    }
    submit.disabled = false;
  });
  return form;
}
