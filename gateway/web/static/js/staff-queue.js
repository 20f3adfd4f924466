// My queue (/petugas/antrean): claim the next application (earliest service deadline first) and
// reopen my live claims (from GET /api/v1/staff/queue/mine, which includes claims a supervisor
// moved to me; this tab's memory when that call fails).

import { announce, clear, el, formatDateTime } from "./lib.js";
import {
  errorBox, myClaims, rememberClaim, setBusy, staffApi, startStaffPage,
} from "./staff-lib.js";

const root = document.getElementById("isi");

function claimedList(list = myClaims()) {
  if (!list.length) return el("p", { class: "muted", text: "Belum ada permohonan yang Anda ambil di sesi ini." });
  return el(
    "ul",
    { class: "app-list", id: "klaim-saya" },
    list.map((item) =>
      el(
        "li",
        {},
        el("a", { href: `/petugas/permohonan/${item.id}` }, el("strong", { class: "code" }, item.tracking_code)),
        ` — ${item.service_name}`,
        item.round > 1 ? ` (pengajuan ke-${item.round})` : "",
        el("br"),
        el("span", { class: "hint" }, `Batas waktu klaim: ${formatDateTime(item.lease_expires_at)}`),
      ),
    ),
  );
}

function render(message) {
  const status = el("div", { id: "hasil-ambil", "aria-live": "polite" }, message || null);
  const button = el("button", { type: "button", class: "button", id: "ambil-berikutnya" }, "Ambil permohonan berikutnya");
  button.addEventListener("click", async () => {
    button.disabled = true;
    setBusy(root, true);
    try {
      const item = await staffApi("POST", "/api/v1/staff/queue/claim");
      if (!item) {
        clear(status, el("div", { class: "notice notice-success" }, el("p", { text: "Antrean kosong. Tidak ada permohonan yang menunggu verifikasi." })));
        announce("Antrean kosong.");
        return;
      }
      rememberClaim(item);
      window.location.assign(`/petugas/permohonan/${item.id}`);
    } catch (error) {
      clear(status, errorBox(error));
    } finally {
      button.disabled = false;
      setBusy(root, false);
    }
  });
  clear(
    root,
    el("section", { class: "card" },
      el("h2", { text: "Ambil dari antrean" }),
      el("p", { text: "Permohonan dikunci untuk Anda selama 30 menit. Setelah itu permohonan yang belum diputuskan kembali ke antrean." }),
      el("div", { class: "button-row" }, button),
      status,
    ),
    el("section", { class: "card", id: "sedang-ditangani" }, el("h2", { text: "Sedang saya tangani" }), claimedList()),
  );
  setBusy(root, false);
  staffApi("GET", "/api/v1/staff/queue/mine").then(({ claims }) => {
    const section = document.getElementById("sedang-ditangani");
    if (section) section.lastChild.replaceWith(claimedList(claims));
  }).catch(() => {});
}

if (startStaffPage({ needs: ["verifier"] })) render();
