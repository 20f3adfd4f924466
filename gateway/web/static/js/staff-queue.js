// My queue (/petugas/antrean): claim the next application (earliest service deadline first) and
// reopen my live claims (from GET /api/v1/staff/queue/mine, which includes claims a supervisor
// moved to me; this tab's memory when that call fails).

import { announce, clear, el, formatDateTime } from "./lib.js";
import { myClaims, rememberClaim } from "./staff-claims.js";
import { setBusy, staffApi, startStaffPage } from "./staff-lib.js";
import { busyWhile, button, buttonRow, errorBox, itemList, noticeBox } from "./ui.js";

const root = document.getElementById("isi");

function claimedList(list = myClaims()) {
  return itemList(list, (item) => [
    el("a", { href: `/petugas/permohonan/${item.id}` }, el("strong", { class: "code" }, item.tracking_code)),
    ` — ${item.service_name}`,
    item.round > 1 ? ` (pengajuan ke-${item.round})` : "",
    el("br"),
    el("span", { class: "hint" }, `Batas waktu klaim: ${formatDateTime(item.lease_expires_at)}`),
  ], { empty: "Belum ada permohonan yang Anda ambil di sesi ini.", card: false, id: "klaim-saya" });
}

function render(message) {
  const status = el("div", { id: "hasil-ambil", "aria-live": "polite" }, message || null);
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
  clear(
    root,
    el("section", { class: "card" },
      el("h2", { text: "Ambil dari antrean" }),
      el("p", { text: "Permohonan dikunci untuk Anda selama 30 menit. Setelah itu permohonan yang belum diputuskan kembali ke antrean." }),
      buttonRow(take),
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
