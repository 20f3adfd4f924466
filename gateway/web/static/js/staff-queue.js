// My queue (/petugas/antrean): claim the next application (earliest service deadline first) and
// "Permohonan yang saya klaim", my live claims from GET /api/v1/staff/queue/mine (also claims a
// supervisor moved to me, and one whose claim answer never arrived), each with a link to open
// it; this tab's memory while that call fails. Claiming again while holding one answers the
// one held, so a lost answer never leaves an application leased and unseen.

import { announce, clear, el, formatDateTime } from "./lib.js";
import { myClaims, rememberClaim } from "./staff-claims.js";
import { setBusy, staffApi, startStaffPage } from "./staff-lib.js";
import { busyWhile, button, buttonRow, errorBox, loading, noticeBox } from "./ui.js";

const root = document.getElementById("isi");

function claimRow(item) {
  return el(
    "li",
    { dataset: { id: item.id, tracking: item.tracking_code } },
    el("a", { href: `/petugas/permohonan/${item.id}` }, "Buka ", el("strong", { class: "code" }, item.tracking_code)),
    ` — ${item.service_name || item.service_code}`,
    item.round > 1 ? ` (pengajuan ke-${item.round})` : "",
    el("br"),
    el("span", { class: "hint" }, `Klaim berlaku sampai ${formatDateTime(item.lease_expires_at)}`),
  );
}

function claimedList(list) {
  if (!list.length) {
    return el("p", { class: "muted", id: "klaim-saya", text: "Tidak ada permohonan yang sedang Anda klaim." });
  }
  return el("ul", { class: "app-list", id: "klaim-saya" }, list.map(claimRow));
}

/** Fill the section from the API; on failure keep this tab's memory and say why. */
async function refreshClaims(section) {
  const holder = section.querySelector(".isi-klaim");
  const status = section.querySelector(".status-klaim");
  section.setAttribute("aria-busy", "true");
  try {
    const { claims } = await staffApi("GET", "/api/v1/staff/queue/mine");
    for (const item of claims) rememberClaim({ ...item, requirements: { service_name: item.service_name } });
    clear(holder, claimedList(claims));
    clear(status);
  } catch (error) {
    clear(holder, claimedList(myClaims()));
    clear(status, el("p", { class: "hint", text: "Daftar di atas dari sesi ini saja; daftar terbaru belum dapat dimuat." }), errorBox(error));
  } finally {
    section.removeAttribute("aria-busy");
  }
}

function claimsSection() {
  const section = el(
    "section",
    { class: "card", id: "sedang-ditangani", "aria-labelledby": "judul-klaim-saya" },
    el("h2", { id: "judul-klaim-saya", text: "Permohonan yang saya klaim" }),
    el("p", { class: "hint", text: "Permohonan yang sedang Anda tangani (termasuk yang dialihkan supervisor kepada Anda). Buka untuk melanjutkan pemeriksaan." }),
    el("div", { class: "isi-klaim" }, loading("Memuat permohonan yang Anda klaim…")),
    el("div", { class: "status-klaim", "aria-live": "polite" }),
  );
  const again = button("Muat ulang daftar", {
    kind: "secondary",
    onclick: () => busyWhile(again, () => refreshClaims(section), { reenable: true }),
  });
  section.append(buttonRow(again));
  return section;
}

function render() {
  const status = el("div", { id: "hasil-ambil", "aria-live": "polite" });
  const take = button("Ambil permohonan berikutnya", {
    id: "ambil-berikutnya",
    onclick: async () => {
      setBusy(root, true);
      await busyWhile(take, async () => {
        const item = await staffApi("POST", "/api/v1/staff/queue/claim");
        if (!item) {
          clear(status, noticeBox("success", {}, el("p", { text: "Antrean kosong. Tidak ada permohonan yang menunggu verifikasi." })));
          announce("Antrean kosong.");
          return;
        }
        rememberClaim(item);
        window.location.assign(`/petugas/permohonan/${item.id}`);
      }, { onError: (error) => clear(status, errorBox(error)), reenable: true });
      setBusy(root, false);
    },
  });
  const claims = claimsSection();
  clear(
    root,
    el("section", { class: "card" },
      el("h2", { text: "Ambil dari antrean" }),
      el("p", { text: "Permohonan dikunci untuk Anda selama 30 menit. Setelah itu permohonan yang belum diputuskan kembali ke antrean. Selama Anda masih memegang klaim, tombol ini membuka kembali permohonan itu." }),
      buttonRow(take),
      status,
    ),
    claims,
  );
  setBusy(root, false);
  refreshClaims(claims);
}

if (startStaffPage({ needs: ["verifier"] })) render();
