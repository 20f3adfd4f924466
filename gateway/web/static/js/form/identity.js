// The hard identity rules the server checks (services/intake/domain/identity.py), so most
// mistakes in a NIK, a KK number or a newly registered name are caught before sending.

const PROVINCES = new Set(
  "11 12 13 14 15 16 17 18 19 21 31 32 33 34 35 36 51 52 53 61 62 63 64 65 71 72 73 74 75 76 81 82 91 92 93 94 95 96".split(
    " ",
  ),
);

function digitsProblems(value, label) {
  const problems = [];
  if (!/^[0-9]*$/.test(value)) problems.push(`${label} hanya boleh berisi angka 0-9.`);
  if (value.length !== 16) problems.push(`${label} harus terdiri dari 16 digit.`);
  return problems;
}

function regencyOk(code) {
  const n = Number(code);
  return (n >= 1 && n <= 69) || (n >= 71 && n <= 99);
}

export function nikProblems(nik) {
  const problems = digitsProblems(nik, "NIK");
  if (problems.length) return problems;
  if (!regencyOk(nik.slice(2, 4))) {
    problems.push("Kode kabupaten/kota pada NIK (digit 3-4) harus 01-69 atau 71-99.");
  }
  const day = Number(nik.slice(6, 8));
  if (!((day >= 1 && day <= 31) || (day >= 41 && day <= 71))) {
    problems.push("Tanggal lahir pada NIK (digit 7-8) harus 01-31, atau 41-71 untuk perempuan.");
  }
  const month = Number(nik.slice(8, 10));
  if (month < 1 || month > 12) problems.push("Bulan lahir pada NIK (digit 9-10) harus 01-12.");
  if (nik.slice(12) === "0000") {
    problems.push("Nomor urut pada NIK (4 digit terakhir) tidak boleh 0000.");
  }
  return problems;
}

export function kkProblems(kk) {
  const problems = digitsProblems(kk, "Nomor KK");
  if (problems.length) return problems;
  if (!PROVINCES.has(kk.slice(0, 2))) {
    problems.push("Kode provinsi pada Nomor KK (digit 1-2) tidak dikenal.");
  }
  if (!regencyOk(kk.slice(2, 4))) {
    problems.push("Kode kabupaten/kota pada Nomor KK (digit 3-4) harus 01-69 atau 71-99.");
  }
  if (kk.slice(4, 6) === "00") {
    problems.push("Kode kecamatan pada Nomor KK (digit 5-6) harus 01-99.");
  }
  if (kk.slice(12) === "0000") {
    problems.push("Nomor urut pada Nomor KK (4 digit terakhir) tidak boleh 0000.");
  }
  return problems;
}

export function newNameProblems(name) {
  const problems = [];
  const words = name.split(/\s+/).filter(Boolean);
  if (words.length < 2) problems.push("Nama harus terdiri dari paling sedikit 2 kata.");
  if (name.length > 60) problems.push("Nama paling banyak 60 huruf, termasuk spasi.");
  if (!/^[A-Za-z ]*$/.test(name)) {
    problems.push(
      "Nama hanya boleh berisi huruf latin (A-Z) dan spasi, tanpa angka atau tanda baca.",
    );
  }
  if (name !== words.join(" ")) {
    problems.push("Nama tidak boleh diawali atau diakhiri spasi, atau memuat spasi ganda.");
  }
  if (words.some((w) => w.includes(".") || w.length === 1)) {
    problems.push("Nama tidak boleh disingkat; tulis setiap kata lengkap.");
  }
  return problems;
}

export function ageYears(born, today) {
  const [by, bm, bd] = born.split("-").map(Number);
  const [ty, tm, td] = today.split("-").map(Number);
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

export function isIsoDate(value) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const [y, m, d] = value.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}
