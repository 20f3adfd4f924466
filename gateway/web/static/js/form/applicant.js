// Who an application is for and whom to tell: the applicant block, the pelapor filing for a
// family member, and the contact rule. Shared by the apply page and the counter (staff-loket.js).

import { el } from "../lib.js";

const SUMEDANG = "32.11";
export const APPLICANT_FIELDS = [
  { name: "nik", label: "NIK pemohon", type: "nik", required: true },
  {
    name: "name",
    label: "Nama lengkap pemohon",
    type: "person_name",
    required: true,
    autocomplete: "name",
    hint: "Sesuai KTP-el atau Kartu Keluarga.",
  },
  { name: "kk_number", label: "Nomor Kartu Keluarga (KK)", type: "kk_number", required: true },
  {
    name: "kecamatan_code",
    label: "Kecamatan tempat tinggal",
    type: "region_select",
    parent: SUMEDANG,
    required: true,
    placeholder: "— Pilih kecamatan —",
    hint: "Kecamatan di Kabupaten Sumedang tempat Anda tinggal.",
  },
  {
    name: "phone", label: "Nomor ponsel (WhatsApp)", type: "phone", required: false,
    hint: "Isi nomor ponsel atau email (paling sedikit salah satu) untuk menerima kabar permohonan.",
  },
  { name: "email", label: "Email", type: "email", required: false },
];
// The pelapor, when the person above is a family member (the document's holder).
export const RELATIONSHIPS = ["SUAMI", "ISTRI", "ANAK", "AYAH", "IBU", "SAUDARA", "KAKEK_NENEK", "CUCU", "LAINNYA"];
export const REPORTER_FIELDS = [
  { name: "name", label: "Nama lengkap Anda (pelapor)", type: "person_name", required: true, autocomplete: "name" },
  { name: "nik", label: "NIK Anda", type: "nik", required: true },
  { name: "kk_number", label: "Nomor KK Anda", type: "kk_number", required: true,
    hint: "Untuk anggota keluarga, KK Anda harus sama dengan KK orang yang diajukan." },
  { name: "relationship", label: "Orang yang diajukan adalah … Anda", type: "enum", vocabulary: "relationship", required: true },
];
export const CONTACT_MISSING = "Isi nomor ponsel atau email.";

export function contactErrors(values) {
  return values.phone || values.email ? {} : { "applicant.phone": [CONTACT_MISSING] };
}

/** "Diri sendiri" or "anggota keluarga": the latter asks for the pelapor's own data too. */
export function forWhomChoice() {
  const option = (value, label, checked) => {
    const id = `untuk-${value}`;
    return el("div", { class: "control check" },
      el("input", { type: "radio", name: "untuk", id, value, checked }),
      el("label", { for: id, text: label }));
  };
  const node = el("div", { class: "field", id: "untuk-siapa", role: "radiogroup", "aria-label": "Untuk siapa" },
    option("sendiri", "Diri sendiri", true),
    option("keluarga", "Anggota keluarga (suami/istri, anak, orang tua, …)", false));
  const family = () => node.querySelector("input:checked").value === "keluarga";
  return {
    node,
    family,
    onChange(listener) {
      node.addEventListener("change", () => listener(family()));
    },
  };
}
