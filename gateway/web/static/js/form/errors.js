// Errors in a form: the server's errors (dotted paths such as `form.members.0.nik`) and the
// page's own checks, shown next to the field they name and together in the summary box at the
// top of the form.

import { clear, el, nextId } from "../lib.js";

/** The error summary at the top of a form; hidden until showErrors fills it. */
export function summaryBox(attrs = {}) {
  return el("div", { class: "error-summary", tabindex: "-1", hidden: true, role: "alert", ...attrs });
}

/**
 * The API names fields by dotted path (`form.members.0.nik`) or, for shape errors, as nested
 * objects (`{"form": {"members": {"0": {"nik": [...]}}}}`). Both become {path: [messages]}.
 */
export function flattenErrors(fields, prefix = "") {
  const out = {};
  const join = (a, b) => (a ? `${a}.${b}` : String(b));
  const add = (path, messages) => {
    out[path] = [...(out[path] || []), ...messages];
  };
  const walk = (value, path) => {
    if (value === null || value === undefined) return;
    if (typeof value === "string") return add(path, [value]);
    if (Array.isArray(value)) {
      value.forEach((item, index) =>
        typeof item === "string" ? add(path, [item]) : walk(item, join(path, index)),
      );
      return;
    }
    if (typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) {
        walk(inner, key === "_schema" ? path : join(path, key));
      }
    }
  };
  walk(fields, prefix);
  return out;
}

/** Mark one field wrapper (an element with data-path) as wrong, or clear it. */
export function setFieldError(wrapper, messages) {
  const errorNode = wrapper.querySelector(":scope > .field-error");
  const inputs = wrapper.querySelectorAll(
    ":scope > input, :scope > select, :scope > textarea, :scope > .control input, :scope > .control select",
  );
  const has = messages && messages.length > 0;
  wrapper.classList.toggle("has-error", has);
  if (errorNode) {
    errorNode.hidden = !has;
    errorNode.textContent = has ? messages.join(" ") : "";
    if (has) errorNode.prepend(el("span", { class: "visually-hidden", text: "Kesalahan: " }));
  }
  for (const input of inputs) {
    if (has) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
}

/** The element named by a path, or its nearest named ancestor (`form.members.0` -> `form.members`). */
export function findField(root, path) {
  let current = path;
  while (current) {
    const found = root.querySelector(`[data-path="${CSS.escape(current)}"]`);
    if (found) return found;
    const cut = current.lastIndexOf(".");
    current = cut > 0 ? current.slice(0, cut) : "";
  }
  return null;
}

export function focusField(wrapper) {
  const target =
    wrapper.querySelector("[aria-invalid='true']") ||
    wrapper.querySelector("input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea, button");
  if (target) target.focus();
}

/**
 * Show errors ({path: [messages]}) next to their fields and in the summary box at the top.
 * Returns how many errors were shown.
 */
export function showErrors(root, summary, errors, { intro } = {}) {
  for (const wrapper of root.querySelectorAll(".has-error")) setFieldError(wrapper, []);
  const grouped = new Map();
  const loose = [];
  for (const [path, messages] of Object.entries(errors)) {
    const wrapper = findField(root, path);
    if (!wrapper) {
      loose.push(...messages);
      continue;
    }
    grouped.set(wrapper, [...(grouped.get(wrapper) || []), ...messages]);
  }
  const items = [];
  for (const [wrapper, messages] of grouped) {
    setFieldError(wrapper, messages);
    const label = wrapper.dataset.label || "";
    const id = wrapper.id || (wrapper.id = nextId("field"));
    items.push(
      el(
        "li",
        {},
        el(
          "a",
          {
            href: `#${id}`,
            onclick: (event) => {
              event.preventDefault();
              wrapper.scrollIntoView({ block: "center" });
              focusField(wrapper);
            },
          },
          label ? `${label}: ` : "",
          messages.join(" "),
        ),
      ),
    );
  }
  for (const message of loose) items.push(el("li", { text: message }));
  if (summary) {
    summary.replaceChildren();
    summary.hidden = items.length === 0;
    if (items.length) {
      clear(
        summary,
        el("h2", { text: "Periksa kembali isian Anda" }),
        intro ? el("p", { text: intro }) : null,
        el("ul", {}, items),
      );
      summary.focus();
    }
  }
  return items.length;
}

export function clearErrors(root, summary) {
  for (const wrapper of root.querySelectorAll(".has-error")) setFieldError(wrapper, []);
  if (summary) {
    summary.hidden = true;
    summary.replaceChildren();
  }
}
