// Building blocks shared by the citizen pages and the staff console: buttons, notice boxes, the
// loading line, fact lists, tables, and running an action behind a button that stays disabled
// while it works (so a second click cannot send twice).

import { GENERIC_MESSAGE, clear, el } from "./lib.js";

// --- buttons -----------------------------------------------------------------------------------

/** A button (type "button" unless given); `kind` adds classes after "button", e.g. "secondary". */
export function button(label, { kind, type = "button", ...attrs } = {}) {
  return el("button", { type, class: kind ? `button ${kind}` : "button", ...attrs }, label);
}

export function buttonRow(...children) {
  return el("div", { class: "button-row" }, ...children);
}

/**
 * Run `work` with `trigger` disabled. After a failure the button is enabled again (to retry) and
 * `onError` shows what went wrong; after success it stays disabled (the page is usually redrawn)
 * unless `reenable` is set. Resolves true when the work succeeded.
 */
export async function busyWhile(trigger, work, { onError, reenable = false } = {}) {
  trigger.disabled = true;
  try {
    await work();
  } catch (error) {
    trigger.disabled = false;
    // During an outage the notice offers to try again: the same button, pressed again.
    if (error && error.outage && !error.retry) error.retry = () => trigger.click();
    if (!onError) throw error;
    onError(error);
    return false;
  }
  if (reenable) trigger.disabled = false;
  return true;
}

/** A failure handler that replaces what `holder` shows with the error (`box` draws it). */
export function showErrorIn(holder, box = errorBox) {
  return (error) => clear(holder, box(error));
}

// --- notices -----------------------------------------------------------------------------------

/** A notice box: kind is "info", "success", "warning" or "error"; an error is role=alert. */
export function notice(kind, ...children) {
  return noticeBox(kind, {}, ...children);
}

/** A notice box with attributes of its own (id, role, dataset). */
export function noticeBox(kind, attrs, ...children) {
  return el(
    "div",
    { role: kind === "error" ? "alert" : null, ...attrs, class: `notice notice-${kind}` },
    ...children,
  );
}

/** A one-line success message that screen readers read out (role=status). */
export function successNotice(message, attrs = {}) {
  return noticeBox("success", { role: "status", ...attrs }, el("p", { text: message }));
}

/** A failed request on a citizen page (an outage: see outageNotice). */
export function errorNotice(error) {
  if (error && error.outage) return outageNotice(error, error.retry);
  return notice("error", el("p", { text: error.message || GENERIC_MESSAGE }));
}

/**
 * An outage (503 with Retry-After): "Layanan sedang gangguan, coba lagi dalam N detik", counting
 * down, the server's message, and a button that runs `retry` (a form sent again as it is, so
 * nothing typed is lost); without `retry` the button loads the page again.
 */
export function outageNotice(error, retry) {
  let seconds = error.retryAfter ?? 10;
  const wait = el("p", { class: "outage-wait", "aria-live": "off" });
  const say = () => {
    wait.textContent = seconds > 0
      ? `Layanan sedang gangguan, coba lagi dalam ${seconds} detik.`
      : "Layanan sedang gangguan. Silakan coba lagi sekarang.";
  };
  say();
  const timer = window.setInterval(() => {
    seconds -= 1;
    say();
    if (seconds <= 0) window.clearInterval(timer);
  }, 1000);
  const again = button("Coba lagi", {
    kind: "secondary",
    onclick: () => {
      window.clearInterval(timer);
      if (retry) retry();
      else window.location.reload();
    },
  });
  return noticeBox(
    "warning",
    { role: "alert", dataset: { code: error.code || "", outage: "true" } },
    wait,
    error.message ? el("p", { text: error.message }) : null,
    retry ? el("p", { class: "hint", text: "Isian Anda tetap tersimpan di halaman ini." }) : null,
    buttonRow(again),
  );
}

/** A failed request in the staff console: a refusal (403) is a warning; carries the error code. */
export function errorBox(error) {
  if (error && error.outage) return outageNotice(error, error.retry);
  const kind = error.status === 403 ? "warning" : "error";
  return noticeBox(kind, { role: "alert", dataset: { code: error.code || "" } }, el("p", { text: error.message }));
}

/** A spinner line while something loads; put it in an aria-busy container. */
export function loading(text = "Memuat…") {
  return el("p", { class: "loading", role: "status" }, text);
}

// --- lists, facts and tables --------------------------------------------------------------------------

/**
 * A list (ul.app-list) of what `render(item)` draws for each item, each a card unless `card` is
 * false; with no items, the muted line `empty`.
 */
export function itemList(items, render, { empty, card = true, ...attrs } = {}) {
  if (!items.length) return el("p", { class: "muted", text: empty });
  return el("ul", { class: "app-list", ...attrs }, items.map((item) => el("li", { class: card ? "card" : null }, render(item))));
}

/**
 * A list of facts (dl.facts-list) from [label, value, ddAttrs?] entries; empty entries (null,
 * false) are left out, so a fact that does not apply can be written inline.
 */
export function facts(entries, attrs = {}) {
  return el(
    "dl",
    { class: "facts-list", ...attrs },
    entries.filter(Boolean).flatMap(([label, value, ddAttrs]) => [el("dt", { text: label }), el("dd", ddAttrs || {}, value)]),
  );
}

/**
 * A scrollable table: column heads, rows (tr nodes) and, when there are no rows, one row saying
 * `empty`. Other options are the table's attributes; `wrap` holds the wrapper's.
 */
export function dataTable(heads, rows, { caption, empty, wrap = {}, ...attrs } = {}) {
  const body = rows.length || !empty ? rows : el("tr", {}, el("td", { colspan: heads.length, text: empty }));
  return el(
    "div",
    { class: "table-wrap", ...wrap },
    el(
      "table",
      attrs,
      caption ? el("caption", { text: caption }) : null,
      el("thead", {}, el("tr", {}, heads.map((head) => el("th", { scope: "col", text: head })))),
      el("tbody", {}, body),
    ),
  );
}
