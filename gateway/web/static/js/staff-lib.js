// The staff console's session (/petugas/...): the token, the staff API and starting a page with
// its navigation. The token lives in sessionStorage only (gone when the tab closes) and is never
// written anywhere else. Its roles are read only to show or hide navigation: every service
// checks the roles itself, and a refusal (403 ROLE_REQUIRED) is shown as a clear message.
// The console's building blocks are in staff-ui.js, the claims a verifier holds in staff-claims.js.

import { ApiError, api, clear, el } from "./lib.js";
import { errorBox, noticeBox } from "./ui.js";

const TOKEN_KEY = "silasidakep.petugas.token";
// Claims taken in this tab (staff-claims.js); forgotten on logout like the token.
export const CLAIMS_KEY = "silasidakep.petugas.klaim";

export const ROLE_LABELS = {
  verifier: "verifikator",
  supervisor: "supervisor",
  signer: "penandatangan (TTE)",
  kecamatan_operator: "operator kecamatan",
  front_office: "petugas loket",
  admin: "admin",
  auditor: "auditor",
};

// Where each role starts after logging in, in order of preference.
const LANDING = [
  ["verifier", "/petugas/antrean"],
  ["signer", "/petugas/tanda-tangan"],
  ["kecamatan_operator", "/petugas/kecamatan"],
  ["front_office", "/petugas/loket"],
  ["supervisor", "/petugas/pantauan"],
  ["admin", "/petugas/admin"],
];

export function token() {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function saveToken(value) {
  window.sessionStorage.setItem(TOKEN_KEY, value);
}

export function logout() {
  try {
    window.sessionStorage.removeItem(TOKEN_KEY);
    window.sessionStorage.removeItem(CLAIMS_KEY);
  } catch {
    // Nothing stored.
  }
}

/** The token's payload (username, roles, exp). For display only: it is not verified here. */
export function claims(value = token()) {
  if (!value) return null;
  try {
    const part = value.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = part + "=".repeat((4 - (part.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const payload = JSON.parse(new TextDecoder().decode(bytes));
    if (payload.exp && payload.exp * 1000 < Date.now()) return null;
    return payload;
  } catch {
    return null;
  }
}

export function roles() {
  const payload = claims();
  return new Set(payload && Array.isArray(payload.roles) ? payload.roles : []);
}

export function hasAnyRole(...wanted) {
  const mine = roles();
  return wanted.some((role) => mine.has(role));
}

export function landingFor(payload) {
  const mine = new Set((payload && payload.roles) || []);
  const found = LANDING.find(([role]) => mine.has(role));
  return found ? found[1] : "/petugas/antrean";
}

export function roleNames(list) {
  return list.map((role) => ROLE_LABELS[role] || role).join(" atau ");
}

/** "Anda tidak memiliki peran …" from a ROLE_REQUIRED refusal (roles named in its message). */
export function roleMessage(error, fallbackRoles = []) {
  const named = /peran\s+(.+?)\.?$/.exec(error.message || "");
  const list = named ? named[1].split(/\s+atau\s+/) : fallbackRoles;
  const which = list.length ? ` ${roleNames(list)}` : " yang diperlukan";
  return `Anda tidak memiliki peran${which} untuk tindakan ini. Hubungi admin bila Anda memerlukan akses ini.`;
}

function toLogin() {
  const back = window.location.pathname + window.location.search;
  window.location.assign(`/petugas?kembali=${encodeURIComponent(back)}`);
}

/** The staff API with the session token; an expired session goes back to the login page. */
export async function staffApi(method, path, options = {}) {
  const value = token();
  if (!value) {
    toLogin();
    throw new ApiError(401, "MISSING_TOKEN", "Sesi berakhir. Silakan masuk kembali.");
  }
  try {
    return await api(method, path, { ...options, token: value });
  } catch (error) {
    if (error.status === 401) {
      logout();
      toLogin();
      error.message = "Sesi berakhir. Silakan masuk kembali.";
    } else if (error.status === 403 && error.code === "ROLE_REQUIRED") {
      error.message = roleMessage(error);
    }
    throw error;
  }
}

/** Fetch a scan or draft with the token and return an object URL (revoke it when done). */
export async function blobUrl(path) {
  const response = await staffApi("GET", path, { raw: true });
  const blob = await response.blob();
  return { url: URL.createObjectURL(blob), type: blob.type };
}

/**
 * Start a staff page: require a session, fill the navigation from the token's roles and, when
 * the page needs roles the token lacks, say so up front (the service refuses anyway).
 * Returns the token payload, or null when redirecting to the login page.
 */
export function startStaffPage({ needs = [] } = {}) {
  const payload = claims();
  if (!payload) {
    logout();
    toLogin();
    return null;
  }
  const nav = document.getElementById("menu-petugas");
  if (nav) {
    const mine = new Set(payload.roles || []);
    for (const item of nav.querySelectorAll("li[data-roles]")) {
      item.hidden = !item.dataset.roles.split(" ").some((role) => mine.has(role));
    }
    const who = document.getElementById("petugas-aktif");
    if (who) {
      const names = [...mine].map((role) => ROLE_LABELS[role] || role).join(", ");
      who.textContent = `Masuk sebagai ${payload.username} (${names})`;
    }
    document.getElementById("keluar").addEventListener("click", () => {
      logout();
      window.location.assign("/petugas");
    });
    nav.hidden = false;
  }
  if (needs.length && !hasAnyRole(...needs)) {
    const root = document.getElementById("isi");
    root.before(
      noticeBox(
        "warning",
        { id: "peringatan-peran", role: "alert" },
        el("p", {
          text: `Anda tidak memiliki peran ${roleNames(needs)} yang diperlukan di halaman ini. Tindakan di sini akan ditolak oleh sistem.`,
        }),
      ),
    );
  }
  return payload;
}

export function setBusy(root, busy) {
  root.setAttribute("aria-busy", busy ? "true" : "false");
}

/**
 * Load something into the page with `root` marked busy: `load()` draws it, and a failure
 * replaces what `into` shows with the error (`failed(error)` instead, when given).
 */
export async function busyLoad(root, into, load, { failed } = {}) {
  setBusy(root, true);
  try {
    await load();
  } catch (error) {
    if (failed) failed(error);
    else clear(into, errorBox(error));
  } finally {
    setBusy(root, false);
  }
}
