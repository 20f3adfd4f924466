// The track page without an application open: "Permohonan saya" kept on this device, and
// opening an application by its tracking link (or by its id and access code).

import { announce, clear, el, forgetApplication, formatDateTime, myApplications, signedIn } from "../lib.js";
import { button, buttonRow, itemList } from "../ui.js";
import { codeInput, plainField } from "../form/controls.js";
import { clearErrors, showErrors, summaryBox } from "../form/errors.js";
import { linkTarget, root, setHeading } from "./page.js";

/** {id, token} from a pasted tracking link, or null. */
function parseLink(text) {
  const value = text.trim();
  return linkTarget(value.includes("#") ? value.slice(value.indexOf("#") + 1) : "");
}

function savedCard(item) {
  return [
    el(
      "div",
      {},
      el("p", { class: "code", text: item.tracking_code || "(tanpa kode)" }),
      el("p", { text: item.service_name || item.service_code || "" }),
      item.status_label ? el("p", {}, "Status terakhir dilihat: ", el("strong", { text: item.status_label })) : null,
      el("p", { class: "muted", text: `Disimpan ${formatDateTime(item.saved_at)}` }),
    ),
    buttonRow(
      el(
        "a",
        {
          class: "button",
          href: `#${new URLSearchParams({ id: item.id, token: item.token })}`,
          "aria-label": `Lihat permohonan ${item.tracking_code || ""}`,
        },
        "Lihat",
      ),
      button("Hapus dari perangkat ini", {
        kind: "link danger",
        onclick: () => {
          forgetApplication(item.id);
          announce(`Permohonan ${item.tracking_code || ""} dihapus dari perangkat ini.`);
          showIndex();
          root.querySelector("h2").focus();
        },
      }),
    ),
  ];
}

function openForm() {
  const summary = summaryBox();
  const link = codeInput("tautan");
  const id = codeInput("id-permohonan");
  const token = codeInput("kode-akses");
  const form = el(
    "form",
    { novalidate: true },
    summary,
    plainField("Tautan pelacakan", link, {
      path: "link",
      hint: "Tempel tautan yang Anda simpan saat mengajukan permohonan.",
    }),
    el(
      "details",
      {},
      el("summary", {}, "Atau masukkan ID permohonan dan kode akses"),
      plainField("ID permohonan", id, { path: "id" }),
      plainField("Kode akses", token, { path: "token" }),
    ),
    buttonRow(button("Buka permohonan", { type: "submit" })),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(form, summary);
    const linkValue = link.value;
    const idValue = id.value.trim();
    const tokenValue = token.value.trim();
    let target = linkValue.trim() ? parseLink(linkValue) : null;
    if (!target && idValue && tokenValue) target = { id: idValue, token: tokenValue };
    if (!target) {
      const errors = {};
      if (linkValue.trim()) errors.link = ["Tautan tidak dikenali. Salin seluruh tautan, termasuk bagian setelah tanda #."];
      else if (idValue || tokenValue) {
        if (!idValue) errors.id = ["Wajib diisi."];
        if (!tokenValue) errors.token = ["Wajib diisi."];
      } else errors.link = ["Tempel tautan pelacakan, atau isi ID permohonan dan kode akses."];
      showErrors(form, summary, errors);
      return;
    }
    window.location.hash = new URLSearchParams(target).toString();
  });
  return form;
}

export function showIndex() {
  setHeading("Lacak permohonan");
  document.title = "Lacak permohonan — Silasidakep";
  clear(
    root,
    el(
      "section",
      { "aria-labelledby": "judul-saya" },
      el("h2", { id: "judul-saya", tabindex: "-1", text: "Permohonan saya" }),
      el("p", { class: "hint" }, "Permohonan yang pernah diajukan dari perangkat ini. ",
        signedIn()
          ? el("a", { href: "/akun", text: "Lihat semua permohonan akun Anda" })
          : [el("a", { href: "/masuk?next=/akun", text: "Masuk" }),
            " untuk melihat permohonan Anda di perangkat mana pun."]),
      itemList(myApplications(), savedCard, { empty: "Belum ada permohonan yang tersimpan di perangkat ini." }),
    ),
    el(
      "section",
      { "aria-labelledby": "judul-buka" },
      el("h2", { id: "judul-buka", text: "Buka dengan tautan pelacakan" }),
      el("div", { class: "card" }, openForm()),
    ),
    el(
      "p",
      { class: "muted" },
      "Kehilangan tautan pelacakan? ",
      el("a", { href: "/pulihkan", text: "Pulihkan akses" }),
      " dengan kode pelacakan dan kode yang kami kirim ke nomor ponsel atau email pada permohonan.",
    ),
  );
}
