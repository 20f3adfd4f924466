// One application as the citizen sees it: the overview with its status, why it was rejected, the
// stages, the uploaded documents and the full history.

import { el, formatDateTime } from "../lib.js";
import { FINAL_STATUSES, historyList, statusBadge, timeline } from "../statuses.js";
import { button, buttonRow, facts, notice } from "../ui.js";
import { fileText, section } from "./page.js";

export function overview(ctx) {
  const { view } = ctx;
  const submitted = view.submitted_at ? formatDateTime(view.submitted_at) : "Belum diajukan";
  const expected = view.expected_completion_at ? formatDateTime(view.expected_completion_at) : "—";
  const applicant = view.applicant || {};
  const final = FINAL_STATUSES.has(view.status);
  return el(
    "div",
    { class: "card", id: "ringkasan-permohonan" },
    el("p", {}, "Status: ", statusBadge("status", view.status, view.status_label || view.status, { id: "status" })),
    el("p", { text: (view.stage && view.stage.description) || "" }),
    facts([
      ["Kode pelacakan", view.tracking_code, { class: "code" }],
      ["Pemohon", `${applicant.name || ""} (NIK ${applicant.nik_masked || "—"})`],
      ["Diajukan", submitted],
      !final && [view.document ? "Terbit" : "Perkiraan selesai", view.document ? formatDateTime(view.document.issued_at) : expected],
      view.document && ["Nomor dokumen", view.document.document_number, { class: "code" }],
      (view.documents || []).length > 1 && ["Dokumen terbit", `${view.outputs_issued} dari ${view.outputs_total}`],
    ]),
    buttonRow(
      button("Perbarui status", {
        kind: "secondary",
        id: "muat-ulang",
        onclick: () => ctx.reload({ message: "Status diperbarui." }),
      }),
    ),
  );
}

export function rejectedNotice(view) {
  const last = [...(view.history || [])].reverse().find((h) => h.status === "REJECTED") || {};
  return notice(
    "error",
    el("h2", { text: "Permohonan ditolak" }),
    el("p", { text: last.reason || "Alasan penolakan tidak tersedia." }),
    last.note ? el("p", {}, "Catatan petugas: ", last.note) : null,
    el("p", {}, "Anda dapat mengajukan permohonan baru dari ", el("a", { href: "/", text: "daftar layanan" }), "."),
  );
}

export function timelineSection(view) {
  return section("Tahapan", timeline(view.timeline || []));
}

export function documentsSection(view) {
  const service = view.service || {};
  const labelOf = (type) => ((service.required_documents || []).find((d) => d.type === type) || {}).label || type;
  const documents = view.uploads || [];
  return section(
    "Dokumen yang diunggah",
    documents.length
      ? el(
          "ul",
          { class: "doc-list" },
          documents.map((d) =>
            el(
              "li",
              {},
              el("strong", { text: labelOf(d.doc_type) }),
              el("br"),
              el("span", { class: "muted", text: `${fileText(d)}, ${formatDateTime(d.uploaded_at)}` }),
            ),
          ),
        )
      : el("p", { class: "muted", text: "Belum ada dokumen." }),
    (view.missing_documents || []).length
      ? notice(
          "warning",
          el("p", { text: "Dokumen wajib yang belum diunggah:" }),
          el("ul", {}, view.missing_documents.map((t) => el("li", { text: labelOf(t) }))),
        )
      : null,
  );
}

export function historySection(view) {
  return el("details", { class: "card" }, el("summary", {}, "Riwayat lengkap"), historyList(view.history || []));
}
