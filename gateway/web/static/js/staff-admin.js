// Administration (/petugas/admin): service locations, appointment slots and, when the API is
// there, staff accounts.

import { api, clear, el, nextId, todayWib } from "./lib.js";
import { ROLE_LABELS, errorBox, staffApi, startStaffPage, submitting } from "./staff-lib.js";

const root = document.getElementById("isi");
const KINDS = [["KECAMATAN", "Kantor kecamatan"], ["MPP", "Mal Pelayanan Publik"], ["DINAS", "Kantor Dinas"]];
const STEPS = [["BIOMETRICS", "Perekaman biometrik KTP-el"], ["COLLECTION", "Pengambilan kartu"]];

function input(label, attrs, hint) {
  const id = nextId("admin");
  const control = attrs.tag === "select"
    ? el("select", { id, name: attrs.name }, attrs.options.map(([v, l]) => el("option", { value: v, text: l })))
    : attrs.tag === "textarea"
      ? el("textarea", { id, name: attrs.name, rows: attrs.rows || 3 })
      : el("input", { id, ...attrs });
  return el("div", { class: "field" }, el("div", { class: "control" }, el("label", { for: id, text: label }), control), hint ? el("p", { class: "hint", text: hint }) : null);
}

function checks(legend, name, options, checked = []) {
  return el("fieldset", { class: "field" }, el("legend", { text: legend }), options.map(([v, l]) => {
    const id = nextId(name);
    return el("div", { class: "check" }, el("input", { type: "checkbox", id, name, value: v, checked: checked.includes(v) }), el("label", { for: id, text: l }));
  }));
}

function checkedValues(form, name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
}

function locationsSection(locations, kecamatan, reload) {
  const list = locations.length
    ? el("div", { class: "table-wrap" }, el("table", { id: "tabel-lokasi" },
      el("thead", {}, el("tr", {}, ["Kode", "Nama", "Jenis", "Keperluan"].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, locations.map((l) => el("tr", {}, el("td", { class: "code", text: l.code }), el("td", { text: l.name }), el("td", { text: l.kind }), el("td", { text: (l.steps || []).map((s) => s.label || s.step).join(", ") }))))))
    : el("p", { text: "Belum ada lokasi layanan." });
  const form = el("form", { id: "form-lokasi", novalidate: true },
    input("Kode lokasi", { name: "code", required: true, pattern: "[A-Z0-9][A-Z0-9\\-]{1,19}" }, "Huruf besar, angka dan tanda minus, misalnya KEC-TANJUNGSARI."),
    input("Nama", { name: "name", required: true, maxlength: 120 }),
    input("Jenis", { tag: "select", name: "kind", options: KINDS }),
    input("Kecamatan", { tag: "select", name: "kecamatan_code", options: [["", "— bukan kantor kecamatan —"], ...kecamatan.map((k) => [k.code, `${k.name} (${k.code})`])] }),
    input("Alamat", { tag: "textarea", name: "address", rows: 2 }),
    checks("Keperluan yang dilayani", "steps", STEPS, ["BIOMETRICS", "COLLECTION"]));
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
    checks("Pilihan", "options", [["include_weekends", "Termasuk Sabtu dan Minggu"], ["include_holidays", "Termasuk hari libur nasional"]]));
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
  const roleOptions = Object.entries(ROLE_LABELS);
  const accounts = result.accounts || [];
  const rows = accounts.map((a) => {
    const status = el("span");
    const toggle = el("button", { type: "button", class: "button link" }, a.active === false ? "Aktifkan" : "Nonaktifkan");
    toggle.addEventListener("click", async () => {
      try {
        await staffApi("PATCH", `/api/v1/staff/accounts/${encodeURIComponent(a.username)}`, { body: { active: a.active === false } });
        section.replaceWith(await accountsSection(kecamatan));
      } catch (error) {
        clear(status, errorBox(error));
      }
    });
    return el("tr", {}, el("td", { text: a.username }), el("td", { text: (a.roles || []).map((r) => ROLE_LABELS[r] || r).join(", ") }),
      el("td", { class: "code", text: a.kecamatan_code || "—" }),
      el("td", { text: a.active === false ? "Nonaktif" : a.locked_until ? "Terkunci sementara" : "Aktif" }), el("td", {}, toggle, status));
  });
  const form = el("form", { id: "form-akun", novalidate: true },
    input("Nama pengguna", { name: "username", required: true, autocomplete: "off" }),
    input("Kata sandi awal", { name: "password", type: "password", required: true, autocomplete: "new-password", minlength: 10 }, "Minimal 10 karakter; sampaikan langsung kepada petugas."),
    checks("Peran", "roles", roleOptions),
    input("Kecamatan (untuk operator kecamatan)", { tag: "select", name: "kecamatan_code", options: [["", "— tidak ada —"], ...kecamatan.map((k) => [k.code, `${k.name} (${k.code})`])] },
      "Operator kecamatan hanya melayani antrean cetak kecamatan ini."));
  submitting(form, "Buat akun", async () => {
    const e = form.elements;
    const body = {
      username: e.username.value.trim(), password: e.password.value, roles: checkedValues(form, "roles"),
      kecamatan_code: e.kecamatan_code.value || null,
    };
    await staffApi("POST", "/api/v1/staff/accounts", { body });
    e.password.value = "";
    return `Akun ${body.username} dibuat.`;
  });
  section.append(
    el("div", { class: "table-wrap" }, el("table", {}, el("thead", {}, el("tr", {}, ["Nama pengguna", "Peran", "Kecamatan", "Status", ""].map((h) => el("th", { scope: "col", text: h })))), el("tbody", {}, rows))),
    el("h3", { text: "Buat akun" }), form);
  return section;
}

async function render(message) {
  const [{ locations }, { regions }] = await Promise.all([
    api("GET", "/api/v1/locations"),
    api("GET", "/api/v1/regions?parent=32.11").catch(() => ({ regions: [] })),
  ]);
  const done = message
    ? el("div", { class: "notice notice-success", id: "pesan-admin", role: "status" }, el("p", { text: message }))
    : null;
  clear(root, done, locationsSection(locations, regions, render), slotsSection(locations), await accountsSection(regions));
  root.setAttribute("aria-busy", "false");
}

if (startStaffPage({ needs: ["admin"] })) render(null).catch((error) => clear(root, errorBox(error)));
