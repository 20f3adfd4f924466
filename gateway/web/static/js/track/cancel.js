// Cancelling an application before it is signed.

import { api, clear, el } from "../lib.js";
import { busyWhile, button, buttonRow, errorNotice, showErrorIn } from "../ui.js";
import { section } from "./page.js";

export function cancelSection(ctx) {
  const open = button("Batalkan permohonan\u2026", {
    kind: "secondary",
    "aria-expanded": "false",
    "aria-controls": "batal-form",
  });
  const reasonId = "alasan-batal";
  const error = el("div", {});
  const confirm = button("Ya, batalkan permohonan", { type: "submit", kind: "danger" });
  const form = el(
    "form",
    { id: "batal-form", hidden: true, novalidate: true },
    el(
      "div",
      { class: "field" },
      el("label", { for: reasonId }, "Alasan pembatalan", el("span", { class: "optional", text: " (tidak wajib)" })),
      el("textarea", { id: reasonId, rows: 3, maxlength: 500 }),
    ),
    el(
      "p",
      {},
      "Permohonan yang dibatalkan tidak dapat dilanjutkan. Bila perlu, Anda dapat mengajukan permohonan baru.",
    ),
    error,
    buttonRow(
      confirm,
      button("Tidak jadi", {
        kind: "secondary",
        onclick: () => {
          form.hidden = true;
          open.setAttribute("aria-expanded", "false");
          open.focus();
        },
      }),
    ),
  );
  open.addEventListener("click", () => {
    form.hidden = !form.hidden;
    open.setAttribute("aria-expanded", String(!form.hidden));
    if (!form.hidden) form.querySelector("textarea").focus();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clear(error);
    const reason = form.querySelector("textarea").value.trim();
    busyWhile(
      confirm,
      async () => {
        await api("POST", `/api/v1/applications/${ctx.id}/cancel`, { token: ctx.token, body: reason ? { reason } : {} });
        await ctx.reload({ message: "Permohonan dibatalkan." });
      },
      { onError: showErrorIn(error, errorNotice) },
    );
  });
  return section(
    "Batalkan permohonan",
    el(
      "div",
      {},
      el("p", { text: "Tidak jadi mengajukan? Permohonan dapat dibatalkan sebelum dokumen ditandatangani." }),
      open,
      form,
    ),
  );
}
