// Profile and devices (/akun/profil): the name, the contacts proven by a code, the channel
// notifications go to, and the devices signed in ("Keluar dari semua perangkat").

import { clear, el, formatDateTime } from "../lib.js";
import { button, buttonRow, errorNotice, facts, itemList, loading, notice } from "../ui.js";
import { plainField } from "../form/controls.js";
import { clearErrors, showErrors, summaryBox } from "../form/errors.js";
import { codeForm, fieldsOr } from "./code-form.js";
import { CHANNELS, accountApi, root, show } from "./common.js";

const CONTACT_KIND = { PHONE: "Nomor ponsel", EMAIL: "Email" };

function profileForm(account, reload) {
  const summary = summaryBox();
  const name = el("input", { type: "text", id: "nama-akun", maxlength: "60", autocomplete: "name", value: account.name || "" });
  const kinds = new Set(account.contacts.map((c) => c.kind));
  const channel = el("select", { id: "saluran" },
    Object.entries(CHANNELS).map(([code, label]) => el("option", {
      value: code, text: label, selected: code === account.preferred_channel,
      disabled: !kinds.has(code === "EMAIL" ? "EMAIL" : "PHONE"),
    })));
  const save = button("Simpan", { type: "submit" });
  const form = el("form", { novalidate: true }, summary,
    plainField("Nama", name, { path: "name" }),
    plainField("Kirim pemberitahuan lewat", channel, { path: "preferred_channel", hint: "Saluran tanpa kontak yang terverifikasi tidak dapat dipilih." }),
    buttonRow(save));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form, summary);
    save.disabled = true;
    try {
      await accountApi("PATCH", "/api/v1/me", { body: { name: name.value.trim() || null, preferred_channel: channel.value } });
      reload("Profil disimpan.");
    } catch (error) {
      save.disabled = false;
      showErrors(form, summary, fieldsOr(error, "name"));
    }
  });
  return form;
}

function contactForm(reload) {
  return codeForm({
    field: { id: "kontak-baru", label: "Tambah nomor ponsel atau email", path: "identifier", attrs: { inputmode: "email" } },
    confirmLabel: "Tambahkan",
    kind: "secondary",
    send: async (identifier) => {
      const sent = await accountApi("POST", "/api/v1/me/contacts/code", { body: { identifier } });
      return `Kode dikirim ke ${sent.destination}.`;
    },
    confirm: async (identifier, code) => {
      await accountApi("POST", "/api/v1/me/contacts", { body: { identifier, code } });
      reload("Kontak ditambahkan.");
    },
  });
}

function sessionCard(item, reload) {
  return [el("div", {},
    el("p", {}, el("strong", { text: item.user_agent || "Perangkat tidak dikenal" }),
      item.current ? " (perangkat ini)" : ""),
    el("p", { class: "muted", text: `Masuk ${formatDateTime(item.created_at)} lewat ${item.via === "OIDC" ? "Tahu Sumedang" : "kode"}; terakhir aktif ${formatDateTime(item.last_seen_at)}` })),
  item.current ? null : buttonRow(button("Keluarkan perangkat ini", {
    kind: "link danger",
    onclick: async (event) => {
      event.target.disabled = true;
      await accountApi("DELETE", `/api/v1/me/sessions/${encodeURIComponent(item.session_id)}`);
      reload("Perangkat dikeluarkan.");
    },
  }))];
}

async function showProfile(message = "") {
  root.setAttribute("aria-busy", "true");
  clear(root, loading());
  let account;
  let devices;
  try {
    [account, devices] = await Promise.all([
      accountApi("GET", "/api/v1/me"), accountApi("GET", "/api/v1/me/sessions"),
    ]);
  } catch (error) {
    show("/akun/profil", errorNotice(error));
    return;
  }
  const reload = (text) => showProfile(text);
  const endAll = button("Keluar dari semua perangkat", {
    kind: "danger",
    onclick: async () => {
      endAll.disabled = true;
      await accountApi("POST", "/api/v1/me/sessions/end-all");
      window.location.assign("/masuk");
    },
  });
  show(
    "/akun/profil",
    message ? notice("success", el("p", { role: "status", text: message })) : null,
    el("section", { class: "section" }, el("h2", { text: "Profil" }),
      facts([
        ...account.contacts.map((c) => [CONTACT_KIND[c.kind], c.value]),
        ["NIK", account.nik_masked ? `${account.nik_masked} (terverifikasi)` : "Belum terverifikasi — diverifikasi petugas saat permohonan Anda sendiri disetujui."],
      ]),
      el("div", { class: "card" }, profileForm(account, reload)),
      el("div", { class: "card" }, contactForm(reload))),
    el("section", { class: "section" }, el("h2", { text: "Perangkat yang masuk" }),
      itemList(devices.sessions, (item) => sessionCard(item, reload), { empty: "Tidak ada perangkat.", id: "daftar-perangkat" }),
      buttonRow(endAll)),
  );
}

showProfile();
