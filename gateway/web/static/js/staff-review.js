// Review one application (/petugas/permohonan/<id>): form data, family members, NIK warnings,
// an inline viewer per scan (fetched with the staff token, shown from a blob: URL), the documents
// approval will issue (staff-outputs.js) and the decision form (APPROVE / REJECT /
// REQUEST_REVISION with reason codes, note and fix lists).

import { announce, clear, el, formatBytes, formatDateTime, humanize, nextId } from "./lib.js";
import { forgetClaim, supervisorControls } from "./staff-claims.js";
import { blobUrl, busyLoad, hasAnyRole, setBusy, staffApi, startStaffPage } from "./staff-lib.js";
import { outputsSection } from "./staff-outputs.js";
import { checkboxes, checkedValues, controlField, showValue as show, viewer } from "./staff-ui.js";
import { DECISION_LABELS, QUEUE_STATE, labelOf } from "./statuses.js";
import { busyWhile, button, buttonRow, dataTable, errorBox, facts, loading, noticeBox, showErrorIn, successNotice } from "./ui.js";

const root = document.getElementById("isi");
const applicationId = window.location.pathname.split("/").pop();
const urls = [];

const DECISIONS = [
  ["APPROVE", "Data dan dokumen lengkap serta sesuai; lanjut ke tanda tangan elektronik."],
  ["REQUEST_REVISION", "Pemohon memperbaiki isian atau mengunggah ulang dokumen yang Anda tandai."],
  ["REJECT", "Keputusan akhir; pemohon harus mengajukan permohonan baru."],
];
// Pre-check categories (verification's prechecks.py); intake's NIK and deadline warnings included.
const CATEGORY_LABELS = {
  duplicate: "Kemungkinan ganda",
  document: "Dokumen",
  deadline: "Batas pelaporan",
  nik: "NIK",
  data: "Data",
};

window.addEventListener("pagehide", () => urls.forEach((u) => URL.revokeObjectURL(u)));

function labelsFrom(requirements) {
  const fields = new Map(((requirements && requirements.fields) || []).map((f) => [f.path, f.label]));
  const documents = new Map(((requirements && requirements.documents) || []).map((d) => [d.type, d.label]));
  return { fields, documents };
}

// Column labels of family-member rows (the catalogue labels the field, not its columns).
const MEMBER_COLUMNS = {
  nik: "NIK", name: "Nama", sex: "Jenis kelamin", birth_date: "Tanggal lahir",
  birth_place: "Tempat lahir", relationship: "Hubungan keluarga", religion: "Agama",
  education: "Pendidikan", occupation: "Pekerjaan", marital_status: "Status perkawinan",
};

function membersTable(label, rows) {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row || {})))];
  return dataTable(
    ["No.", ...columns.map((c) => MEMBER_COLUMNS[c] || humanize(c))],
    rows.map((row, index) =>
      el("tr", {}, el("td", { text: String(index + 1) }), columns.map((c) => el("td", { text: show(row[c]) })))),
    { class: "members-table", id: "tabel-anggota", caption: label },
  );
}

function formSection(app, labels) {
  const entries = [];
  const tables = [];
  for (const [key, value] of Object.entries(app.form || {})) {
    const label = labels.fields.get(`form.${key}`) || humanize(key);
    if (Array.isArray(value) && value.some((v) => v && typeof v === "object")) {
      tables.push(membersTable(label, value));
    } else if (value && typeof value === "object" && !Array.isArray(value)) {
      for (const [sub, subValue] of Object.entries(value)) {
        entries.push([`${label} — ${humanize(sub)}`, show(subValue)]);
      }
    } else {
      entries.push([label, Array.isArray(value) ? value.map(show).join(", ") : show(value)]);
    }
  }
  return el("section", { class: "card", id: "data-formulir" }, el("h2", { text: "Isian formulir" }), facts(entries), tables);
}

function applicantSection(app, labels) {
  const a = app.applicant || {};
  const rows = [
    ["nik", a.nik], ["name", a.name], ["kk_number", a.kk_number], ["kecamatan_code", a.kecamatan_code],
    ["email", a.email], ["phone", a.phone],
  ].map(([key, value]) => [labels.fields.get(`applicant.${key}`) || humanize(key), show(value)]);
  // Filed at a counter: the desk typed the data and scanned the documents (issue 15).
  if (app.channel && app.channel !== "ONLINE") {
    rows.push(["Saluran", show(app.filed_at_location ? `${humanize(app.channel)} (${app.filed_at_location})` : humanize(app.channel))]);
  }
  return el("section", { class: "card", id: "data-pemohon" }, el("h2", { text: "Pemohon" }), facts(rows));
}

const RELATIONSHIPS = {
  SUAMI: "Suami", ISTRI: "Istri", ANAK: "Anak", AYAH: "Ayah", IBU: "Ibu", SAUDARA: "Saudara",
  KAKEK_NENEK: "Kakek/nenek", CUCU: "Cucu", LAINNYA: "Lainnya",
};

// The pelapor, when someone filed for a relative: the verifier checks both against the KK.
function reporterSection(app) {
  const r = app.reporter;
  if (!r) return null;
  const rows = [
    ["Nama pelapor", show(r.name)], ["NIK pelapor", show(r.nik)], ["Nomor KK pelapor", show(r.kk_number)],
    ["Hubungan pemohon dengan pelapor", RELATIONSHIPS[r.relationship] || show(r.relationship)],
  ];
  return el("section", { class: "card", id: "data-pelapor" },
    el("h2", { text: "Pelapor (mengajukan untuk anggota keluarga)" }), facts(rows));
}

function warningsSection(warnings, labels) {
  if (!warnings || !warnings.length) {
    return noticeBox("success", { id: "peringatan" }, el("p", { text: "Pemeriksaan otomatis: tidak ada peringatan." }));
  }
  return noticeBox(
    "warning",
    { id: "peringatan" },
    el("h2", { text: "Peringatan pemeriksaan otomatis" }),
    el("p", { text: "Bukan alasan penolakan: periksa dengan dokumen pendukung." }),
    el(
      "ul",
      {},
      warnings.map((w) =>
        el("li", { dataset: { code: w.code || "", category: w.category || "" } }, w.category ? el("span", { class: "tag" }, `${CATEGORY_LABELS[w.category] || w.category}: `) : null, w.field ? el("strong", { text: `${labels.fields.get(w.field) || w.field}: ` }) : null, w.message || w.code || JSON.stringify(w), w.code ? el("span", { class: "hint" }, ` (${w.code})`) : null, w.related ? [" ", el("a", { href: `/petugas/permohonan/${encodeURIComponent(w.related.application_id)}`, text: `Lihat ${w.related.tracking_code}` })] : null)),
    ),
  );
}

function documentsSection(item, labels) {
  const list = item.documents.map((doc) => {
    const label = labels.documents.get(doc.doc_type) || humanize(doc.doc_type);
    const holder = el("div", { class: "scan-holder" });
    const showScan = button("Tampilkan", {
      kind: "secondary",
      dataset: { docType: doc.doc_type },
      onclick: () => {
        clear(holder, loading("Memuat dokumen…"));
        busyWhile(showScan, async () => {
          const path = `/api/v1/staff/applications/${item.id}/documents/${encodeURIComponent(doc.doc_type)}`;
          const { url, type } = await blobUrl(path);
          urls.push(url);
          clear(holder, viewer(url, type || doc.content_type, label), el("p", {}, el("a", { href: url, target: "_blank", rel: "noopener" }, "Buka di tab baru")));
          showScan.hidden = true;
        }, { onError: showErrorIn(holder) });
      },
    });
    return el(
      "li",
      { class: "scan", dataset: { docType: doc.doc_type } },
      el("h3", { text: label }),
      el("p", { class: "hint" }, `${doc.doc_type} · ${doc.content_type} · ${formatBytes(doc.size)}`),
      showScan,
      holder,
    );
  });
  return el("section", { class: "card", id: "dokumen" }, el("h2", { text: "Dokumen pendukung" }), el("ul", { class: "scan-list" }, list));
}

function checkboxGroup(legend, name, options) {
  return checkboxes(legend, name, options, { class: "field fix-list", id: `pilih-${name}` });
}

function decisionSection(item, reasons, labels) {
  const status = el("div", { id: "hasil-keputusan" });
  const radios = DECISIONS.map(([value, hint]) => {
    const id = nextId("keputusan");
    return el("div", { class: "check" }, el("input", { type: "radio", name: "decision", id, value, required: true }), el("label", { for: id }, el("strong", { text: DECISION_LABELS[value] }), el("br"), el("span", { class: "hint", text: hint })));
  });
  const reasonSelect = el("select", { id: nextId("alasan"), name: "reason_code" });
  const reasonField = controlField("Kode alasan", reasonSelect);
  reasonField.id = "field-alasan";
  reasonField.hidden = true;
  const reasonText = el("p", { class: "hint", id: "teks-alasan" });
  reasonField.append(reasonText);
  const note = controlField("Catatan untuk pemohon (opsional)", el("textarea", { id: nextId("catatan"), name: "note", maxlength: 1000, rows: 3 }));
  const req = item.requirements || { fields: [], documents: [] };
  const fixes = el(
    "div",
    { id: "perbaikan", hidden: true },
    el("p", { class: "hint", text: "Tandai dokumen dan/atau isian yang harus diperbaiki pemohon (minimal satu)." }),
    checkboxGroup("Dokumen yang harus diunggah ulang", "fix_documents", (req.documents || []).map((d) => [d.type, d.label])),
    checkboxGroup("Isian yang harus diperbaiki", "fix_fields", (req.fields || []).map((f) => [f.path, f.label])),
  );
  const submit = button("Kirim keputusan", { type: "submit", id: "kirim-keputusan" });
  const form = el("form", { id: "form-keputusan", novalidate: true },
    el("fieldset", { class: "field" }, el("legend", { text: "Keputusan" }), radios),
    reasonField, fixes, note, buttonRow(submit), status);

  function chosen() {
    const checked = form.querySelector('input[name="decision"]:checked');
    return checked ? checked.value : null;
  }
  function updateReasonText() {
    const codes = reasons[chosen()] || [];
    const found = codes.find((c) => c.code === reasonSelect.value);
    reasonText.textContent = found ? `Teks untuk pemohon: ${found.text}` : "";
  }
  form.addEventListener("change", (event) => {
    if (event.target.name === "decision") {
      const decision = chosen();
      const codes = reasons[decision] || [];
      reasonField.hidden = decision === "APPROVE";
      fixes.hidden = decision !== "REQUEST_REVISION";
      clear(reasonSelect, el("option", { value: "", text: "— pilih alasan —" }), codes.map((c) => el("option", { value: c.code, text: `${c.code} — ${c.text}` })));
      updateReasonText();
    } else if (event.target === reasonSelect) {
      updateReasonText();
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const decision = chosen();
    const body = { decision };
    const problems = [];
    if (!decision) problems.push("Pilih keputusan.");
    if (decision && decision !== "APPROVE") {
      body.reason_code = reasonSelect.value || null;
      if (!body.reason_code) problems.push("Pilih kode alasan.");
    }
    if (decision === "REQUEST_REVISION") {
      body.fix_documents = checkedValues(form, "fix_documents");
      body.fix_fields = checkedValues(form, "fix_fields");
      if (!body.fix_documents.length && !body.fix_fields.length) problems.push("Tandai minimal satu dokumen atau isian yang harus diperbaiki.");
    }
    const noteValue = form.elements.note.value.trim();
    if (noteValue) body.note = noteValue;
    if (problems.length) {
      clear(status, errorBox({ message: problems.join(" ") }));
      return;
    }
    setBusy(root, true);
    await busyWhile(submit, async () => {
      await staffApi("POST", `/api/v1/staff/applications/${item.id}/decision`, { body });
      forgetClaim(item.id);
      const label = DECISION_LABELS[decision];
      clear(
        form,
        noticeBox("success", { id: "keputusan-terkirim", role: "status" },
          el("p", {}, el("strong", { text: `Keputusan "${label}" tercatat.` }), " Pemohon diberi tahu otomatis."),
          el("p", {}, el("a", { href: "/petugas/antrean" }, "Kembali ke antrean"))),
      );
      announce(`Keputusan ${label} tercatat.`);
    }, { onError: showErrorIn(status) });
    setBusy(root, false);
  });
  return el("section", { class: "card", id: "keputusan" }, el("h2", { text: "Keputusan verifikasi" }), form);
}

function load() {
  return busyLoad(root, root, async () => {
    const [item, codes] = await Promise.all([
      staffApi("GET", `/api/v1/staff/applications/${applicationId}`),
      staffApi("GET", "/api/v1/staff/reason-codes").catch(() => ({ reason_codes: {} })),
    ]);
    const labels = labelsFrom(item.requirements);
    const app = item.application || {};
    const serviceName = (item.requirements && item.requirements.service_name) || item.service_code;
    document.getElementById("judul").textContent = `Pemeriksaan ${item.tracking_code}`;
    const summary = el("section", { class: "card", id: "ringkasan" },
      facts([
        ["Layanan", `${serviceName} (${item.service_code})`],
        ["Kode pelacakan", el("span", { class: "code", text: item.tracking_code })],
        ["Pengajuan ke-", String(item.round)],
        ["Status di antrean", labelOf(QUEUE_STATE, item.state)],
        ["Diajukan", formatDateTime(item.submitted_at)],
        ["Tenggat layanan", formatDateTime(item.deadline_at)],
        ["Klaim berlaku sampai", formatDateTime(item.lease_expires_at)],
      ]));
    const verifier = hasAnyRole("verifier");
    const decision = !verifier ? null : item.state === "CLAIMED"
      ? decisionSection(item, codes.reason_codes || {}, labels)
      : noticeBox("warning", { id: "keputusan" }, el("p", { text: `Permohonan ini tidak bisa diputuskan sekarang: ${labelOf(QUEUE_STATE, item.state)}. Ambil dari antrean terlebih dahulu.` }));
    const supervision = item.state === "CLAIMED" && hasAnyRole("supervisor")
      ? el("section", { class: "card", id: "tindakan-supervisor" }, el("h2", { text: "Tindakan supervisor" }),
        el("p", { class: "hint", text: "Kembalikan klaim ini ke antrean, atau alihkan ke verifikator lain dengan masa klaim baru." }),
        supervisorControls(item, async (message) => {
          forgetClaim(item.id);
          await load();
          announce(message);
          document.getElementById("ringkasan").before(successNotice(message, { id: "hasil-supervisor" }));
        }))
      : null;
    clear(
      root,
      el("p", {}, verifier
        ? el("a", { href: "/petugas/antrean" }, "← Kembali ke antrean")
        : el("a", { href: "/petugas/pantauan" }, "← Kembali ke pantauan antrean")),
      summary,
      warningsSection(item.prechecks ? item.prechecks.findings : item.warnings, labels),
      el("div", { class: "review-grid" },
        el("div", {}, applicantSection(app, labels), reporterSection(app), formSection(app, labels)),
        el("div", {}, documentsSection(item, labels))),
      outputsSection(item.outputs),
      decision,
      supervision,
    );
  }, {
    failed: (error) => clear(root, errorBox(error), el("p", {}, el("a", { href: "/petugas/antrean" }, "Kembali ke antrean"))),
  });
}

if (startStaffPage({ needs: ["verifier", "supervisor"] })) load();
