// What the account pages share: leaving for the sign-in page when the session is missing or has
// ended, the account's own menu, signing out, and the labels of relationships and channels.

import { api, clear, el, signedIn } from "../lib.js";
import { button } from "../ui.js";

export const root = document.getElementById("isi");

export const RELATIONSHIPS = {
  SUAMI: "Suami", ISTRI: "Istri", ANAK: "Anak", AYAH: "Ayah", IBU: "Ibu", SAUDARA: "Saudara kandung",
  KAKEK_NENEK: "Kakek/nenek", CUCU: "Cucu", LAINNYA: "Lainnya",
};

export const CHANNELS = { WHATSAPP: "WhatsApp", SMS: "SMS", EMAIL: "Email" };

export function toSignIn() {
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/masuk?${new URLSearchParams({ next })}`);
}

/** Call the API as the signed-in account; a missing or ended session goes to the sign-in page. */
export async function accountApi(method, path, options = {}) {
  if (!signedIn()) {
    toSignIn();
    return new Promise(() => {});
  }
  try {
    return await api(method, path, options);
  } catch (error) {
    if (error.status === 401) {
      toSignIn();
      return new Promise(() => {});
    }
    throw error;
  }
}

export async function signOut() {
  try {
    await api("DELETE", "/api/v1/auth/session");
  } finally {
    window.location.assign("/");
  }
}

/** The account's menu: its pages and signing out. */
export function accountMenu(current) {
  const link = (href, text) =>
    el("li", {}, el("a", { href, text, "aria-current": href === current ? "page" : null }));
  return el(
    "nav",
    { class: "account-menu", "aria-label": "Menu akun" },
    el("ul", {},
      link("/akun", "Permohonan saya"),
      link("/akun/keluarga", "Keluarga"),
      link("/akun/profil", "Profil dan perangkat"),
      el("li", {}, button("Keluar", { kind: "link", onclick: signOut }))),
  );
}

export function show(current, ...children) {
  clear(root, accountMenu(current), ...children);
  root.removeAttribute("aria-busy");
}
