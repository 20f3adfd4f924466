// The family (/akun/keluarga): the people this account has filed applications for.

import { clear, el, formatDateTime } from "../lib.js";
import { errorNotice, itemList, loading } from "../ui.js";
import { RELATIONSHIPS, accountApi, root, show } from "./common.js";

function memberCard(member) {
  return [el("div", {},
    el("p", {}, el("strong", { text: member.name }), ` — ${RELATIONSHIPS[member.relationship] || member.relationship}`),
    member.nik_masked ? el("p", { class: "code", text: member.nik_masked }) : null,
    el("p", { class: "muted", text: `${member.applications} permohonan, terakhir ${formatDateTime(member.last_applied_at)}` }))];
}

async function showFamily() {
  root.setAttribute("aria-busy", "true");
  clear(root, loading());
  try {
    const answer = await accountApi("GET", "/api/v1/me/family");
    show("/akun/keluarga",
      el("p", { class: "hint", text: "Anggota keluarga yang pernah Anda ajukan permohonannya. Untuk mengajukan lagi, pilih layanan lalu pilih \u201canggota keluarga\u201d pada formulir." }),
      itemList(answer.members, memberCard, { empty: "Belum ada permohonan untuk anggota keluarga.", id: "daftar-keluarga" }));
  } catch (error) {
    show("/akun/keluarga", errorNotice(error));
  }
}

showFamily();
