// Administration (/petugas/admin): service locations, appointment slots and, when the API is
// there, staff accounts.

import { api, clear, el, nextId, todayWib } from "./lib.js";
import { ROLE_LABELS, staffApi, startStaffPage } from "./staff-lib.js";
import { checkboxes, checkedValues, controlField, submitting } from "./staff-ui.js";
import { button, dataTable, errorBox, successNotice } from "./ui.js";

const root = document.getElementById("isi");
const KINDS = [["KECAMATAN", "Kantor kecamatan"], ["MPP", "Mal Pelayanan Publik"], ["DINAS", "Kantor Dinas"], ["DESA", "Kantor desa/kelurahan"]];
const STEPS = [["BIOMETRICS", "Perekaman biometrik KTP-el"], ["COLLECTION", "Pengambilan kartu"]];

function input(label, attrs, hint) {
  const id = nextId("admin");
  const control = attrs.tag === "select"
    ? el("select", { id, name: attrs.name }, attrs.options.map(([v, l]) => el("option", { value: v, text: l })))
    : attrs.tag === "textarea"
      ? el("textarea", { id, name: attrs.name, rows: attrs.rows || 3 })
      : el("input", { id, ...attrs });
  return controlField(label, control, { hint });
}

function kecamatanOptions(kecamatan, none) {
  return [["", none], ...kecamatan.map((k) => [k.code, `${k.name} (${k.code})`])];
}

function locationsSection(locations, kecamatan, reload) {
  const list = locations.length
    ? dataTable(["Kode", "Nama", "Jenis", "Keperluan"], locations.map((l) => el("tr", {},
      el("td", { class: "code", text: l.code }), el("td", { text: l.name }), el("td", { text: l.kind }),
      el("td", { text: (l.steps || []).map((s) => s.label || s.step).join(", ") }))), { id: "tabel-lokasi" })
    : el("p", { text: "Belum ada lokasi layanan." });
  const form = el("form", { id: "form-lokasi", novalidate: true },
    input("Kode lokasi", { name: "code", required: true, pattern: "[A-Z0-9][A-Z0-9\\-]{1,19}" }, "Huruf besar, angka dan tanda minus, misalnya KEC-TANJUNGSARI."),
    input("Nama", { name: "name", required: true, maxlength: 120 }),
    input("Jenis", { tag: "select", name: "kind", options: KINDS }),
    input("Kecamatan", { tag: "select", name: "kecamatan_code", options: kecamatanOptions(kecamatan, "— bukan kantor kecamatan —") }),
    input("Alamat", { tag: "textarea", name: "address", rows: 2 }),
    checkboxes("Keperluan yang dilayani", "steps", STEPS, { checked: ["BIOMETRICS", "COLLECTION"] }));
  submitting(form, "Tambah lokasi", async () => {
    const e = form.elements;
    const body = {
      code: e.code.value.trim().toUpperCase(), name: e.name.value.trim(), kind: e.kind.value,
      kecamatan_code: e.kecamatan_code.value || null, address: e.address.value.trim(), steps: checkedValues(form, "steps"),
    };
    const created = await staffApi("POST", "/api/v1/staff/locations", { body });
    const message = `Lokasi ${created.code} ditambahkan.`;
    await reload(message); // re-renders the page (lists and pickers) with the message on top
    return message;
  });
  return el("section", { class: "card", id: "lokasi" }, el("h2", { text: "Lokasi layanan" }), list, el("h3", { text: "Tambah lokasi" }), form);
}

function slotsSection(locations) {
  const form = el("form", { id: "form-slot", novalidate: true },
    input("Lokasi", { tag: "select", name: "location", options: locations.map((l) => [l.code, `${l.name} (${l.code})`]) }),
    el("div", { class: "grid-2" },
      input("Dari tanggal", { name: "from", type: "date", value: todayWib(1), required: true }),
      input("Sampai tanggal", { name: "to", type: "date", value: todayWib(14), required: true })),
    input("Jam layanan (satu per baris)", { tag: "textarea", name: "windows", rows: 4 }, "Format JJ:MM-JJ:MM, misalnya 08:00-09:00."),
    input("Kuota per jam layanan", { name: "capacity", type: "number", min: 1, max: 500, value: 10, required: true }),
    checkboxes("Pilihan", "options", [["include_weekends", "Termasuk Sabtu dan Minggu"], ["include_holidays", "Termasuk hari libur nasional"]]));
  form.elements.windows.value = "08:00-09:00\n09:00-10:00\n10:00-11:00\n13:00-14:00";
  submitting(form, "Buat jadwal", async () => {
    const e = form.elements;
    const options = checkedValues(form, "options");
    const body = {
      from: e.from.value, to: e.to.value, capacity: Number(e.capacity.value),
      windows: e.windows.value.split(/\s+/).filter(Boolean),
      include_weekends: options.includes("include_weekends"), include_holidays: options.includes("include_holidays"),
    };
    const result = await staffApi("POST", `/api/v1/staff/locations/${encodeURIComponent(e.location.value)}/slots`, { body });
    return `${result.created} slot dibuat, ${result.existing} sudah ada sebelumnya.`;
  });
  return el("section", { class: "card", id: "jadwal" }, el("h2", { text: "Jadwal janji temu (slot)" }),
    locations.length ? form : el("p", { text: "Tambahkan lokasi terlebih dahulu." }));
}

function accountRow(account, redraw) {
  const status = el("span");
  const toggle = button(account.active === false ? "Aktifkan" : "Nonaktifkan", {
    kind: "link",
    onclick: async () => {
      try {
        await staffApi("PATCH", `/api/v1/staff/accounts/${encodeURIComponent(account.username)}`, { body: { active: account.active === false } });
        await redraw();
      } catch (error) {
        clear(status, errorBox(error));
      }
    },
  });
  return el("tr", {}, el("td", { text: account.username }), el("td", { text: (account.roles || []).map((r) => ROLE_LABELS[r] || r).join(", ") }),
    el("td", { class: "code", text: [account.kecamatan_code, account.location_code].filter(Boolean).join(" · ") || "—" }),
    el("td", { text: account.active === false ? "Nonaktif" : account.locked_until ? "Terkunci sementara" : "Aktif" }), el("td", {}, toggle, status));
}

async function accountsSection(kecamatan) {
  const section = el("section", { class: "card", id: "akun" }, el("h2", { text: "Akun petugas" }));
  let result;
  try {
    result = await staffApi("GET", "/api/v1/staff/accounts");
  } catch (error) {
    if (error.status === 404 || error.status === 405) {
      section.append(el("p", { class: "hint", text: "Pengelolaan akun dari konsol belum tersedia; akun dibuat dengan perintah `silasidakep staff add`." }));
    } else {
      section.append(errorBox(error));
    }
    return section;
  }
  const redraw = async () => section.replaceWith(await accountsSection(kecamatan));
  const form = el("form", { id: "form-akun", novalidate: true },
    input("Nama pengguna", { name: "username", required: true, autocomplete: "off" }),
    input("Kata sandi awal", { name: "password", type: "password", required: true, autocomplete: "new-password", minlength: 10 }, "Minimal 10 karakter; sampaikan langsung kepada petugas."),
    checkboxes("Peran", "roles", Object.entries(ROLE_LABELS)),
    input("Kecamatan (untuk operator kecamatan)", { tag: "select", name: "kecamatan_code", options: kecamatanOptions(kecamatan, "— tidak ada —") },
      "Operator kecamatan hanya melayani antrean cetak kecamatan ini."),
    input("Kode lokasi layanan (untuk petugas loket)", { name: "location_code", autocomplete: "off", maxlength: 20 },
      "Petugas loket hanya mengajukan permohonan di lokasi ini, misalnya MPP-SUMEDANG."));
  submitting(form, "Buat akun", async () => {
    const e = form.elements;
    const body = {
      username: e.username.value.trim(), password: e.password.value, roles: checkedValues(form, "roles"),
      kecamatan_code: e.kecamatan_code.value || null, location_code: e.location_code.value.trim() || null,
    };
    await staffApi("POST", "/api/v1/staff/accounts", { body });
    e.password.value = "";
    return `Akun ${body.username} dibuat.`;
  });
  section.append(
    dataTable(["Nama pengguna", "Peran", "Kecamatan / lokasi", "Status", ""], (result.accounts || []).map((a) => accountRow(a, redraw))),
    el("h3", { text: "Buat akun" }), form);
  return section;
}

async function render(message) {
  const [{ locations }, { regions }] = await Promise.all([
    api("GET", "/api/v1/locations"),
    api("GET", "/api/v1/regions?parent=32.11").catch(() => ({ regions: [] })),
  ]);
  const done = message ? successNotice(message, { id: "pesan-admin" }) : null;
  clear(root, done, locationsSection(locations, regions, render), slotsSection(locations), await accountsSection(regions));
  root.setAttribute("aria-busy", "false");
}

if (startStaffPage({ needs: ["admin"] })) render(null).catch((error) => clear(root, errorBox(error)));
