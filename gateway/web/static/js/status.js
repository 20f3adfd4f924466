// Public status page (/status): which parts of the system answer right now, and per service how
// many applications wait and how long approval takes these days (GET /api/v1/status).

import { announce, api, clear, el, formatDateTime } from "./lib.js";
import { button, errorNotice, notice } from "./ui.js";

const root = document.getElementById("isi");
const REFRESH_MS = 60000;

function waitText(hours, targetDays) {
  if (hours === null || hours === undefined) {
    return targetDays ? `Belum ada data (target ${targetDays} hari kerja)` : "Belum ada data";
  }
  if (hours < 1) return "Kurang dari 1 jam";
  if (hours < 48) return `\u00b1 ${Math.round(hours)} jam`;
  return `\u00b1 ${Math.round(hours / 24)} hari`;
}

function render(status, { manual = false } = {}) {
  const components = status.components || [];
  const down = components.filter((c) => !c.up);
  const overall = down.length
    ? notice(
        "error",
        el("p", { class: "overall", text: "Sebagian layanan sedang terganggu." }),
        el(
          "p",
          {},
          "Permohonan yang sudah diajukan tetap tersimpan dan akan diproses setelah layanan pulih. Terganggu: ",
          down.map((c) => c.label).join(", "),
          ".",
        ),
      )
    : notice("success", el("p", { class: "overall", text: "Semua layanan berjalan normal." }));
  const services = status.services || [];
  const refresh = button("Perbarui", { kind: "secondary", id: "perbarui", onclick: () => load({ manual: true }) });
  clear(
    root,
    overall,
    el("p", { class: "muted", id: "diperbarui" }, `Diperbarui ${formatDateTime(status.updated_at)}. `, refresh),
    el(
      "section",
      { "aria-labelledby": "judul-komponen" },
      el("h2", { id: "judul-komponen", text: "Komponen layanan" }),
      el(
        "ul",
        { class: "component-list" },
        components.map((c) =>
          el(
            "li",
            {},
            el("span", { text: c.label }),
            el(
              "span",
              { class: `state ${c.up ? "state-up" : "state-down"}` },
              el("span", { "aria-hidden": "true", text: c.up ? "\u2714 " : "\u2716 " }),
              c.up ? "Normal" : "Terganggu",
            ),
          ),
        ),
      ),
    ),
    el(
      "section",
      { "aria-labelledby": "judul-antrean" },
      el("h2", { id: "judul-antrean", text: "Antrean permohonan" }),
      services.length
        ? el(
            "ul",
            { class: "queue-list" },
            services.map((s) =>
              el(
                "li",
                { class: "card" },
                el("h3", { text: s.name }),
                el(
                  "dl",
                  { class: "queue-facts" },
                  el("div", {}, el("dt", { text: "Menunggu" }), el("dd", { text: String(s.waiting) })),
                  el("div", {}, el("dt", { text: "Diproses" }), el("dd", { text: String(s.in_progress) })),
                  el(
                    "div",
                    {},
                    el("dt", { text: "Perkiraan waktu" }),
                    el("dd", { text: waitText(s.expected_wait_hours, s.target_working_days) }),
                  ),
                ),
              ),
            ),
          )
        : el("p", { class: "muted", text: "Data antrean sedang tidak tersedia." }),
      el(
        "p",
        { class: "muted" },
        "Perkiraan waktu adalah median waktu dari pengajuan sampai disetujui selama 30 hari terakhir.",
      ),
    ),
  );
  if (manual) announce(down.length ? "Status diperbarui. Sebagian layanan terganggu." : "Status diperbarui. Semua layanan normal.");
}

async function load(options = {}) {
  root.setAttribute("aria-busy", "true");
  try {
    render(await api("GET", "/api/v1/status"), options);
  } catch (error) {
    clear(
      root,
      errorNotice(error),
      el("p", { text: "Situs layanan mungkin sedang terganggu. Coba lagi beberapa saat lagi." }),
    );
  } finally {
    root.removeAttribute("aria-busy");
  }
}

load();
window.setInterval(() => {
  if (document.visibilityState === "visible") load();
}, REFRESH_MS);
