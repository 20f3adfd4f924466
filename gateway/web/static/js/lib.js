// The core every page builds on: the JSON API, building DOM nodes, formatting, and what is kept
// on this device. Every page uses only the public API (/api/v1/...), as the regional super-app
// does. Page building blocks (buttons, notices, tables) are in ui.js.

export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
export const UPLOAD_TYPES = {
  "application/pdf": "PDF",
  "image/jpeg": "JPEG",
  "image/png": "PNG",
};

const NETWORK_MESSAGE =
  "Tidak dapat terhubung ke server. Periksa koneksi internet Anda, lalu coba lagi.";
export const GENERIC_MESSAGE = "Terjadi kesalahan. Silakan coba beberapa saat lagi.";

export class ApiError extends Error {
  constructor(status, code, message, fields, retryAfter = null) {
    super(message || GENERIC_MESSAGE);
    this.status = status;
    this.code = code || "ERROR";
    this.fields = fields || {};
    // Seconds to wait before trying again (Retry-After), or null.
    this.retryAfter = retryAfter;
  }

  /** An outage (503): storage, the broker or a database is down for a while; try again later. */
  get outage() {
    return this.status === 503;
  }
}

/** Retry-After in seconds (the API sends whole seconds), or null. */
function secondsOf(value) {
  const seconds = Number.parseInt(value ?? "", 10);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

/**
 * The ApiError for a refused request from the API's error body ({error: {code, message, fields,
 * retry_after}}); `retryAfter` is the Retry-After header, used when the body has none.
 */
function errorOf(status, body, retryAfter = null) {
  const error = body && body.error ? body.error : {};
  return new ApiError(status, error.code, error.message, error.fields, secondsOf(error.retry_after) ?? retryAfter);
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return errorOf(response.status, body, secondsOf(response.headers.get("Retry-After")));
}

export function sleep(ms) {
  return new Promise((resolve) => {
    window.setTimeout(resolve, ms);
  });
}

// --- the signed-in citizen ------------------------------------------------------------------
// A signed-in browser holds the HttpOnly session cookie (sent by the browser, never readable
// here) and the readable CSRF cookie, whose value every change must carry as X-CSRF-Token.

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)sls_csrf=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export function signedIn() {
  return csrfToken() !== "";
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

// The header's "Masuk" link becomes "Akun saya" once signed in (every citizen page loads this).
const accountLink = typeof document !== "undefined" ? document.getElementById("nav-akun") : null;
if (accountLink && signedIn()) {
  accountLink.textContent = "Akun saya";
  accountLink.href = "/akun";
}

/** Headers for a request: the access token when given, else the session's CSRF token. */
function authHeaders(method, token) {
  if (token) return { Authorization: `Bearer ${token}` };
  const csrf = csrfToken();
  return csrf && !SAFE_METHODS.has(method) ? { "X-CSRF-Token": csrf } : {};
}

// A read answered 503 with Retry-After (storage, the broker or a database restarting) is asked
// again after the wait, a few times, before the page says so; a change is never repeated
// behind the citizen's back (the page offers a retry button instead, see ui.js).
export const AUTO_RETRIES = 3;
const MAX_AUTO_WAIT_SECONDS = 15;

/** Whether a read answered `response` should be asked again, and after how many seconds. */
function autoRetryWait(method, response, attempt, retries) {
  if (response.status !== 503 || !SAFE_METHODS.has(method) || attempt >= retries) return null;
  const wait = secondsOf(response.headers.get("Retry-After"));
  return wait === null ? null : Math.min(wait, MAX_AUTO_WAIT_SECONDS);
}

/**
 * Call the JSON API with the application's access token, or (without one) the signed-in
 * account's session cookie. Resolves with the parsed body (null for 204), rejects with ApiError.
 * A GET during an outage is retried up to `retries` times (see AUTO_RETRIES).
 */
export async function api(method, path, { body, token, raw = false, retries = AUTO_RETRIES, headers: extra = {} } = {}) {
  const headers = { Accept: "application/json", ...extra, ...authHeaders(method, token) };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  for (let attempt = 0; ; attempt += 1) {
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch {
      throw new ApiError(0, "NETWORK", NETWORK_MESSAGE);
    }
    const wait = autoRetryWait(method, response, attempt, retries);
    if (wait === null) break;
    await sleep(wait * 1000);
  }
  if (!response.ok) throw await errorFrom(response);
  if (raw) return response;
  if (response.status === 204) return null;
  return response.json();
}

/**
 * Upload one file with progress: PUT {base}/{id}/documents/{type} (base: the citizen's
 * /api/v1/applications, or the counter's /api/v1/staff/front-office/applications).
 * fetch() cannot report upload progress, XMLHttpRequest can.
 */
export function uploadDocument(appId, token, docType, file, onProgress, base = "/api/v1/applications") {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const path = `${base}/${encodeURIComponent(appId)}/documents/${encodeURIComponent(docType)}`;
    xhr.open("PUT", path);
    for (const [name, value] of Object.entries(authHeaders("PUT", token))) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader("Content-Type", file.type);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText || "null");
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        if (onProgress) onProgress(1);
        resolve(body);
      } else {
        reject(errorOf(xhr.status, body, secondsOf(xhr.getResponseHeader("Retry-After"))));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, "NETWORK", NETWORK_MESSAGE));
    xhr.send(file);
  });
}

/** Check a chosen file before sending it; returns an error message or "". */
export function fileProblem(file) {
  if (!file) return "";
  if (!(file.type in UPLOAD_TYPES)) {
    return "Jenis berkas tidak didukung. Gunakan PDF, JPEG, atau PNG.";
  }
  if (file.size > MAX_UPLOAD_BYTES) return "Ukuran berkas melebihi 5 MB.";
  if (file.size === 0) return "Berkas kosong.";
  return "";
}

// --- DOM ---------------------------------------------------------------------------------------

/** Build an element. Text is always set as text, never parsed as HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

let uid = 0;
export function nextId(prefix = "f") {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** Say something to screen-reader users through the page's polite live region. */
export function announce(message) {
  const region = document.getElementById("pengumuman");
  if (!region) return;
  region.textContent = "";
  // A fresh text node after a tick is announced even when the text repeats.
  window.setTimeout(() => {
    region.textContent = message;
  }, 50);
}

// --- formatting --------------------------------------------------------------------------------

const TIME_ZONE = "Asia/Jakarta";

export function formatDateTime(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${new Intl.DateTimeFormat("id-ID", {
    dateStyle: "long",
    timeStyle: "short",
    timeZone: TIME_ZONE,
  }).format(date)} WIB`;
}

/** A calendar date (YYYY-MM-DD) with its weekday, e.g. "Senin, 4 Mei 2026". */
export function formatDate(isoDate) {
  if (!isoDate) return "—";
  const [y, m, d] = isoDate.slice(0, 10).split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d, 12));
  return new Intl.DateTimeFormat("id-ID", {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  }).format(date);
}

export function formatTime(time) {
  return time ? time.slice(0, 5) : "";
}

export function formatBytes(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1).replace(".", ",")} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** Today's date in Sumedang (WIB) as YYYY-MM-DD, whatever the device's time zone. */
export function todayWib(offsetDays = 0) {
  const date = new Date(Date.now() + offsetDays * 86400000);
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: TIME_ZONE,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(date);
  return parts; // en-CA formats as YYYY-MM-DD
}

// Words that keep their capitals when a code is turned into a label.
const ACRONYMS = new Set([
  "SD", "SLTP", "SLTA", "YME", "WNI", "WNA", "KK", "KTP", "KIA", "SKPWNI", "RT", "RW", "SPTJM",
  "I", "II", "III", "IV", "PIN", "NIK",
]);
const PROPER = { TUHAN: "Tuhan" };

/** "PENAMBAHAN_ANGGOTA" -> "Penambahan anggota", "SLTA/SEDERAJAT" -> "SLTA/sederajat". */
export function humanize(value) {
  const words = String(value)
    .replace(/_/g, " ")
    .split(/(\s+|\/|-)/)
    .map((word) => (ACRONYMS.has(word) ? word : PROPER[word] || word.toLowerCase()));
  const text = words.join("");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function workingDays(days) {
  return `${days} hari kerja`;
}

// --- "Permohonan saya" and "Pengaduan saya": kept only on this device ----------------------------

/** A list kept in localStorage (or, with store "sessionStorage", for this tab only). */
export function readList(key, store = "localStorage") {
  try {
    const list = JSON.parse(window[store].getItem(key) || "[]");
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

export function writeList(key, list, store = "localStorage") {
  try {
    window[store].setItem(key, JSON.stringify(list));
  } catch {
    // Private mode or storage full: the tracking link still works.
  }
}

const APPLICATIONS_KEY = "silasidakep.permohonan";
const COMPLAINTS_KEY = "silasidakep.pengaduan";

export function myApplications() {
  return readList(APPLICATIONS_KEY);
}

export function rememberApplication(entry) {
  const list = readList(APPLICATIONS_KEY).filter((item) => item.id !== entry.id);
  const previous = readList(APPLICATIONS_KEY).find((item) => item.id === entry.id) || {};
  list.unshift({ ...previous, ...entry, saved_at: previous.saved_at || new Date().toISOString() });
  writeList(APPLICATIONS_KEY, list.slice(0, 50));
}

export function forgetApplication(id) {
  writeList(
    APPLICATIONS_KEY,
    readList(APPLICATIONS_KEY).filter((item) => item.id !== id),
  );
}

export function myComplaints() {
  return readList(COMPLAINTS_KEY);
}

export function rememberComplaint(entry) {
  const list = readList(COMPLAINTS_KEY).filter(
    (item) => item.tracking_code !== entry.tracking_code,
  );
  list.unshift({ ...entry, saved_at: new Date().toISOString() });
  writeList(COMPLAINTS_KEY, list.slice(0, 50));
}

export function forgetComplaint(code) {
  writeList(
    COMPLAINTS_KEY,
    readList(COMPLAINTS_KEY).filter((item) => item.tracking_code !== code),
  );
}

/** The tracking link: the token travels in the fragment, which never reaches a server. */
export function trackingLink(id, token) {
  const fragment = new URLSearchParams({ id, token }).toString();
  return `${window.location.origin}/permohonan#${fragment}`;
}

/** Copy text, with a fallback for browsers without the async clipboard. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
