// Track page (/permohonan): "Permohonan saya" kept on this device, opening an application by its
// tracking link (#id=...&token=...; a fragment never reaches a server), and for one application:
// status and timeline, fixing what a verifier sent back, booking an in-person visit, cancelling,
// and downloading the issued PDF with the PIN from the separate email.

import {
  announce,
  api,
  ApiError,
  clear,
  el,
  errorNotice,
  forgetApplication,
  formatBytes,
  formatDate,
  formatDateTime,
  formatTime,
  myApplications,
  nextId,
  notice,
  rememberApplication,
  todayWib,
} from "./lib.js";
import {
  buildDocumentInputs,
  buildFields,
  clearErrors,
  documentRequired,
  findField,
  flattenErrors,
  setFieldError,
  showErrors,
  uploadChosen,
} from "./form.js";

const root = document.getElementById("isi");
const heading = document.getElementById("judul");
const BOOKING_DAYS = 14;
// Outputs printed on security card stock; the others are PDFs printed on plain A4 paper.
const CARDS = new Set(["KTP_EL", "KIA"]);
// Nothing more happens to these; no booking, no expected date.
const FINAL = new Set(["CANCELLED", "REJECTED"]);
const CONTENT_LABELS = { "application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG" };

function fragment() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const id = params.get("id");
  const token = params.get("token");
  return id && token ? { id, token } : null;
}

function setHeading(text, { back = false } = {}) {
  heading.textContent = text;
  document.getElementById("kembali").hidden = !back;
}

function section(title, ...children) {
  const id = nextId("sec");
  return el("section", { class: "section", "aria-labelledby": id }, el("h2", { id, text: title }), ...children);
}

function summaryBox() {
  return el("div", { class: "error-summary", tabindex: "-1", hidden: true, role: "alert" });
}

// --- list and open -----------------------------------------------------------------------------

function parseLink(text) {
  const value = text.trim();
  const hash = value.includes("#") ? value.slice(value.indexOf("#") + 1) : "";
  const params = new URLSearchParams(hash);
  if (params.get("id") && params.get("token")) return { id: params.get("id"), token: params.get("token") };
  return null;
}

function showIndex() {
  setHeading("Lacak permohonan");
  document.title = "Lacak permohonan — Silasidakep";
  const saved = myApplications();
  const list = saved.length
    ? el(
        "ul",
        { class: "app-list" },
        saved.map((item) =>
          el(
            "li",
            { class: "card" },
            el(
              "div",
              {},
              el("p", { class: "code", text: item.tracking_code || "(tanpa kode)" }),
              el("p", { text: item.service_name || item.service_code || "" }),
              item.status_label ? el("p", {}, "Status terakhir dilihat: ", el("strong", { text: item.status_label })) : null,
              el("p", { class: "muted", text: `Disimpan ${formatDateTime(item.saved_at)}` }),
            ),
            el(
              "div",
              { class: "button-row" },
              el(
                "a",
                {
                  class: "button",
                  href: `#${new URLSearchParams({ id: item.id, token: item.token })}`,
                  "aria-label": `Lihat permohonan ${item.tracking_code || ""}`,
                },
                "Lihat",
              ),
              el(
                "button",
                {
                  type: "button",
                  class: "button link danger",
                  onclick: () => {
                    forgetApplication(item.id);
                    announce(`Permohonan ${item.tracking_code || ""} dihapus dari perangkat ini.`);
                    showIndex();
                    root.querySelector("h2").focus();
                  },
                },
                "Hapus dari perangkat ini",
              ),
            ),
          ),
        ),
      )
    : el("p", { class: "muted", text: "Belum ada permohonan yang tersimpan di perangkat ini." });

  const summary = summaryBox();
  const linkId = "tautan";
  const idId = "id-permohonan";
  const tokenId = "kode-akses";
  const openForm = el(
    "form",
    { novalidate: true },
    summary,
    el(
      "div",
      { class: "field", dataset: { path: "link", label: "Tautan pelacakan" } },
      el("label", { for: linkId, text: "Tautan pelacakan" }),
      el("p", { class: "hint", id: `${linkId}-hint`, text: "Tempel tautan yang Anda simpan saat mengajukan permohonan." }),
      el("p", { class: "field-error", id: `${linkId}-error`, hidden: true }),
      el("input", { type: "text", id: linkId, autocomplete: "off", spellcheck: "false", "aria-describedby": `${linkId}-hint ${linkId}-error` }),
    ),
    el(
      "details",
      {},
      el("summary", {}, "Atau masukkan ID permohonan dan kode akses"),
      el(
        "div",
        { class: "field", dataset: { path: "id", label: "ID permohonan" } },
        el("label", { for: idId, text: "ID permohonan" }),
        el("p", { class: "field-error", id: `${idId}-error`, hidden: true }),
        el("input", { type: "text", id: idId, autocomplete: "off", spellcheck: "false", "aria-describedby": `${idId}-error` }),
      ),
      el(
        "div",
        { class: "field", dataset: { path: "token", label: "Kode akses" } },
        el("label", { for: tokenId, text: "Kode akses" }),
        el("p", { class: "field-error", id: `${tokenId}-error`, hidden: true }),
        el("input", { type: "text", id: tokenId, autocomplete: "off", spellcheck: "false", "aria-describedby": `${tokenId}-error` }),
      ),
    ),
    el("div", { class: "button-row" }, el("button", { type: "submit", class: "button" }, "Buka permohonan")),
  );
  openForm.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(openForm, summary);
    const linkValue = openForm.querySelector(`#${linkId}`).value;
    const idValue = openForm.querySelector(`#${idId}`).value.trim();
    const tokenValue = openForm.querySelector(`#${tokenId}`).value.trim();
    let target = linkValue.trim() ? parseLink(linkValue) : null;
    if (!target && idValue && tokenValue) target = { id: idValue, token: tokenValue };
    if (!target) {
      const errors = {};
      if (linkValue.trim()) errors.link = ["Tautan tidak dikenali. Salin seluruh tautan, termasuk bagian setelah tanda #."];
      else if (idValue || tokenValue) {
        if (!idValue) errors.id = ["Wajib diisi."];
        if (!tokenValue) errors.token = ["Wajib diisi."];
      } else errors.link = ["Tempel tautan pelacakan, atau isi ID permohonan dan kode akses."];
      showErrors(openForm, summary, errors);
      return;
    }
    window.location.hash = new URLSearchParams(target).toString();
  });

  clear(
    root,
    el(
      "section",
      { "aria-labelledby": "judul-saya" },
      el("h2", { id: "judul-saya", tabindex: "-1", text: "Permohonan saya" }),
      el("p", { class: "hint", text: "Permohonan yang pernah diajukan dari perangkat ini." }),
      list,
    ),
    el(
      "section",
      { "aria-labelledby": "judul-buka" },
      el("h2", { id: "judul-buka", text: "Buka dengan tautan pelacakan" }),
      el("div", { class: "card" }, openForm),
    ),
    el(
      "p",
      { class: "muted" },
      "Kehilangan tautan pelacakan? Sampaikan melalui ",
      el("a", { href: "/pengaduan", text: "halaman pengaduan" }),
      " dengan menyebutkan kode pelacakan Anda.",
    ),
  );
}

// --- one application ---------------------------------------------------------------------------

async function showApplication(id, token, { focus = false, message = "" } = {}) {
  root.setAttribute("aria-busy", "true");
  let view;
  try {
    view = await api("GET", `/api/v1/applications/${encodeURIComponent(id)}`, { token });
  } catch (error) {
    setHeading("Permohonan tidak dapat dibuka", { back: true });
    const text =
      error.status === 403 || error.status === 404
        ? "Tautan pelacakan tidak berlaku atau permohonan tidak ditemukan. Periksa kembali tautan Anda."
        : error.message;
    clear(
      root,
      notice("error", el("p", { text })),
      el("p", {}, el("a", { href: "/permohonan", text: "Kembali ke Permohonan saya" })),
    );
    root.removeAttribute("aria-busy");
    return;
  }
  rememberApplication({
    id,
    token,
    tracking_code: view.tracking_code,
    service_code: view.service_code,
    service_name: view.service_name,
    status: view.status,
    status_label: view.status_label,
  });
  const ctx = { id, token, view, reload: (opts) => showApplication(id, token, opts) };
  setHeading(view.service_name, { back: true });
  document.title = `${view.tracking_code} — ${view.status_label} — Silasidakep`;
  const parts = [
    message ? notice("success", el("p", { tabindex: "-1", class: "flash", text: message })) : null,
    overview(view),
  ];
  if (view.status === "REVISION_REQUESTED" || view.status === "DRAFT") parts.push(editSection(ctx));
  if (view.status === "REJECTED") parts.push(rejectedNotice(view));
  if (view.status === "ISSUED" && view.document) parts.push(downloadSection(ctx));
  if ((view.presence || []).length && !FINAL.has(view.status)) parts.push(bookingSection(ctx));
  parts.push(timelineSection(view), documentsSection(view), historySection(view));
  if (view.can_cancel) parts.push(cancelSection(ctx));
  clear(root, parts);
  root.removeAttribute("aria-busy");
  if (message) {
    root.querySelector(".flash").focus();
    announce(message);
  } else if (focus) heading.focus();
}

function overview(view) {
  const submitted = view.submitted_at ? formatDateTime(view.submitted_at) : "Belum diajukan";
  const expected = view.expected_completion_at ? formatDateTime(view.expected_completion_at) : "—";
  const applicant = view.applicant || {};
  return el(
    "div",
    { class: "card", id: "ringkasan-permohonan" },
    el(
      "p",
      {},
      "Status: ",
      el("span", { class: `status-badge status-${view.status}`, id: "status", text: view.status_label || view.status }),
    ),
    el("p", { text: (view.stage && view.stage.description) || "" }),
    el(
      "dl",
      { class: "facts-list" },
      el("dt", { text: "Kode pelacakan" }),
      el("dd", { class: "code", text: view.tracking_code }),
      el("dt", { text: "Pemohon" }),
      el("dd", { text: `${applicant.name || ""} (NIK ${applicant.nik_masked || "—"})` }),
      el("dt", { text: "Diajukan" }),
      el("dd", { text: submitted }),
      FINAL.has(view.status) ? null : el("dt", { text: view.document ? "Terbit" : "Perkiraan selesai" }),
      FINAL.has(view.status)
        ? null
        : el("dd", { text: view.document ? formatDateTime(view.document.issued_at) : expected }),
      view.document ? el("dt", { text: "Nomor dokumen" }) : null,
      view.document ? el("dd", { class: "code", text: view.document.document_number }) : null,
    ),
    el(
      "div",
      { class: "button-row" },
      el(
        "button",
        {
          type: "button",
          class: "button secondary",
          id: "muat-ulang",
          onclick: () => {
            const target = fragment();
            if (target) showApplication(target.id, target.token, { message: "Status diperbarui." });
          },
        },
        "Perbarui status",
      ),
    ),
  );
}

function rejectedNotice(view) {
  const last = [...(view.history || [])].reverse().find((h) => h.status === "REJECTED") || {};
  return notice(
    "error",
    el("h2", { text: "Permohonan ditolak" }),
    el("p", { text: last.reason || "Alasan penolakan tidak tersedia." }),
    last.note ? el("p", {}, "Catatan petugas: ", last.note) : null,
    el("p", {}, "Anda dapat mengajukan permohonan baru dari ", el("a", { href: "/", text: "daftar layanan" }), "."),
  );
}

function timelineSection(view) {
  const stateText = { done: "selesai", current: "tahap saat ini", upcoming: "belum" };
  return section(
    "Tahapan",
    el(
      "ol",
      { class: "timeline" },
      (view.timeline || []).map((step) =>
        el(
          "li",
          { class: `${step.state} step-${step.status}`, "aria-current": step.state === "current" ? "step" : null },
          el("span", { class: "dot", "aria-hidden": "true", text: step.state === "done" ? "\u2713" : "" }),
          el(
            "span",
            { class: "step-label" },
            step.label,
            el("span", { class: "visually-hidden", text: ` (${stateText[step.state] || step.state})` }),
          ),
          // An upcoming step may carry the time of an earlier round; it has not happened yet.
          step.at && step.state !== "upcoming"
            ? el("span", { class: "step-when", text: formatDateTime(step.at) })
            : null,
        ),
      ),
    ),
  );
}

function documentsSection(view) {
  const service = view.service || {};
  const labelOf = (type) => ((service.required_documents || []).find((d) => d.type === type) || {}).label || type;
  const documents = view.documents || [];
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
              el("span", {
                class: "muted",
                text: `${CONTENT_LABELS[d.content_type] || d.content_type}, ${formatBytes(d.size)}, ${formatDateTime(d.uploaded_at)}`,
              }),
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

function historySection(view) {
  return el(
    "details",
    { class: "card" },
    el("summary", {}, "Riwayat lengkap"),
    el(
      "ol",
      { class: "doc-list" },
      (view.history || []).map((h) =>
        el(
          "li",
          {},
          el("strong", { text: h.label || h.status }),
          ` \u2014 ${formatDateTime(h.at)}`,
          h.reason ? el("p", { class: "muted", text: `Alasan: ${h.reason}` }) : null,
          h.note ? el("p", { class: "muted", text: `Catatan: ${h.note}` }) : null,
        ),
      ),
    ),
  );
}

// --- fixing and (re)submitting -------------------------------------------------------------------

function editSection(ctx) {
  const { view } = ctx;
  const service = view.service || {};
  const schema = service.form_schema || {};
  const revision = view.status === "REVISION_REQUESTED" ? view.revision : null;
  const flaggedFields = (revision && revision.fields) || [];
  const flaggedDocs = new Set(((revision && revision.documents) || []).map((d) => d.type));
  const present = new Map((view.documents || []).map((d) => [d.doc_type, d]));

  const summary = summaryBox();
  const form = buildFields(schema.fields || [], {
    prefix: "form",
    vocabularies: schema.vocabularies || {},
    values: view.form || {},
  });
  const contactSpecs = [];
  for (const name of ["email", "phone"]) {
    if (flaggedFields.some((f) => f.path === `applicant.${name}`)) {
      contactSpecs.push(
        name === "email"
          ? { name: "email", label: "Email", type: "email", required: true }
          : { name: "phone", label: "Nomor ponsel", type: "phone", required: false },
      );
    }
  }
  const contact = buildFields(contactSpecs, { prefix: "applicant", values: view.applicant || {} });
  const documents = buildDocumentInputs(service.required_documents || [], {
    required: (doc) => flaggedDocs.has(doc.type) || (documentRequired(doc, form.values()) && !present.has(doc.type)),
    note: (doc) => (present.has(doc.type) ? "sudah diunggah; pilih berkas baru untuk mengganti" : ""),
  });
  for (const row of documents.rows.values()) {
    const existing = present.get(row.doc.type);
    if (flaggedDocs.has(row.doc.type)) {
      row.wrapper.classList.add("flagged");
      row.requirement.textContent = "Harus diunggah ulang";
      row.requirement.className = "field-flag";
    } else if (existing) {
      row.uploaded = true;
    }
    if (existing) {
      row.status.textContent = `Berkas saat ini: ${CONTENT_LABELS[existing.content_type] || existing.content_type}, ${formatBytes(existing.size)}, diunggah ${formatDateTime(existing.uploaded_at)}.`;
    }
  }
  const refreshDocs = () => {
    documents.refresh();
    for (const row of documents.rows.values()) {
      if (flaggedDocs.has(row.doc.type)) {
        row.requirement.textContent = "Harus diunggah ulang";
        row.requirement.className = "field-flag";
      }
    }
  };
  form.node.addEventListener("change", refreshDocs);

  const allPaths = [...form.node.querySelectorAll("[data-path]"), ...contact.node.querySelectorAll("[data-path]")];
  for (const flagged of flaggedFields) {
    const wrapper =
      allPaths.find((node) => node.dataset.path === flagged.path) ||
      findField(form.node, flagged.path) ||
      findField(contact.node, flagged.path);
    if (!wrapper) continue;
    wrapper.classList.add("flagged");
    const label = wrapper.querySelector(":scope > label, :scope > legend");
    if (label) label.append(el("span", { class: "field-flag", text: "Perlu diperbaiki" }));
  }

  const progress = el("p", { role: "status", class: "progress-text" });
  const isRevision = Boolean(revision);
  const button = el(
    "button",
    { type: "submit", class: "button block" },
    isRevision ? "Kirim perbaikan dan ajukan kembali" : "Ajukan permohonan",
  );
  const intro = [];
  if (revision) {
    const items = [
      ...flaggedFields.map((f) => el("li", { text: f.label || f.path })),
      ...[...((revision && revision.documents) || [])].map((d) => el("li", {}, `Dokumen: ${d.label}`)),
    ];
    intro.push(
      notice(
        "warning",
        el("h3", { text: "Petugas meminta perbaikan" }),
        el("p", {}, el("strong", { text: "Alasan: " }), revision.reason || revision.reason_code || "—"),
        revision.note ? el("p", {}, el("strong", { text: "Catatan petugas: " }), revision.note) : null,
        items.length ? el("p", { text: "Yang perlu diperbaiki:" }) : null,
        items.length ? el("ul", { id: "daftar-perbaikan" }, items) : null,
      ),
    );
  } else {
    intro.push(
      el("p", { text: "Permohonan ini masih draf. Lengkapi formulir dan dokumen, lalu ajukan." }),
    );
  }
  const formNode = el(
    "form",
    { novalidate: true, id: "form-perbaikan" },
    summary,
    ...intro,
    el("h3", { text: "Data permohonan" }),
    form.node,
    contactSpecs.length ? el("h3", { text: "Kontak" }) : null,
    contact.node,
    el("h3", { text: "Dokumen" }),
    el("p", { class: "hint", text: "PDF, JPEG, atau PNG, paling besar 5 MB per berkas." }),
    documents.node,
    progress,
    button,
  );

  let busy = false;
  formNode.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    clearErrors(formNode, summary);
    const errors = { ...form.validate(), ...contact.validate(), ...documents.validate() };
    if (Object.keys(errors).length) {
      const shown = showErrors(formNode, summary, errors);
      announce(`Ada ${shown} kesalahan. Periksa kembali isian yang ditandai.`);
      return;
    }
    busy = true;
    button.disabled = true;
    formNode.setAttribute("aria-busy", "true");
    try {
      progress.textContent = "Menyimpan perubahan…";
      await api("PATCH", `/api/v1/applications/${ctx.id}`, {
        token: ctx.token,
        body: { form: form.values(), ...contact.values() },
      });
      await uploadChosen(documents, ctx.id, ctx.token, (text) => {
        progress.textContent = text;
      });
      progress.textContent = "Mengajukan permohonan…";
      await api("POST", `/api/v1/applications/${ctx.id}/submit`, { token: ctx.token });
      await ctx.reload({
        message: isRevision
          ? "Perbaikan terkirim. Permohonan Anda diajukan kembali dan menunggu pemeriksaan petugas."
          : "Permohonan berhasil diajukan.",
      });
    } catch (failure) {
      progress.textContent = "";
      const error = failure && failure.path ? failure.error : failure;
      const fields = flattenErrors((error && error.fields) || {});
      if (failure && failure.path && !Object.keys(fields).length) fields[failure.path] = [error.message];
      if (!Object.keys(fields).length) fields._ = [(error && error.message) || String(failure)];
      const shown = showErrors(formNode, summary, fields, {
        intro: Object.keys((error && error.fields) || {}).length ? error.message : undefined,
      });
      announce(`Ada ${shown} kesalahan.`);
    } finally {
      busy = false;
      button.disabled = false;
      formNode.removeAttribute("aria-busy");
    }
  });

  return section(isRevision ? "Perbaiki permohonan" : "Lengkapi permohonan", formNode);
}

// --- download ----------------------------------------------------------------------------------

function downloadSection(ctx) {
  const { view } = ctx;
  const pinId = "pin";
  const result = el("div", { role: "status", "aria-live": "polite" });
  const wrapper = el(
    "div",
    { class: "field", dataset: { path: "pin", label: "PIN" } },
    el("label", { for: pinId, text: "PIN unduhan (6 digit)" }),
    el("p", { class: "hint", id: `${pinId}-hint`, text: "PIN dikirim dalam email terpisah dengan judul \u201cPIN unduh\u201d." }),
    el("p", { class: "field-error", id: `${pinId}-error`, hidden: true }),
    el("input", {
      type: "text",
      id: pinId,
      class: "pin-input",
      inputmode: "numeric",
      autocomplete: "one-time-code",
      maxlength: 6,
      pattern: "[0-9]{6}",
      required: true,
      "aria-describedby": `${pinId}-hint ${pinId}-error`,
    }),
  );
  const button = el("button", { type: "submit", class: "button" }, "Unduh dokumen (PDF)");
  const form = el("form", { novalidate: true }, wrapper, el("div", { class: "button-row" }, button), result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = form.querySelector(`#${pinId}`);
    const pin = input.value.trim();
    setFieldError(wrapper, []);
    clear(result);
    if (!/^\d{6}$/.test(pin)) {
      setFieldError(wrapper, ["PIN terdiri dari 6 angka."]);
      input.focus();
      return;
    }
    button.disabled = true;
    result.append(el("p", { class: "loading", text: "Mengunduh…" }));
    try {
      const response = await api(
        "GET",
        `/api/v1/applications/${ctx.id}/document?pin=${encodeURIComponent(pin)}`,
        { token: ctx.token, raw: true },
      );
      const blob = await response.blob();
      const name = `${view.document.document_number}.pdf`;
      const url = URL.createObjectURL(blob);
      const link = el("a", { href: url, download: name, class: "button secondary" }, `Simpan ${name}`);
      clear(
        result,
        notice("success", el("p", {}, "Dokumen berhasil diunduh. Bila unduhan tidak mulai otomatis, tekan tombol ini:"), link),
      );
      link.click();
      announce("Dokumen berhasil diunduh.");
    } catch (error) {
      clear(result);
      let message = error.message;
      if (error.code === "INVALID_PIN") {
        message = "PIN salah. Periksa kembali PIN pada email dari Disdukcapil, lalu coba lagi.";
      } else if (error.code === "PIN_LOCKED" || error.status === 429) {
        message =
          "Unduhan dikunci sementara karena PIN salah dimasukkan terlalu sering. Coba lagi setelah 15 menit.";
      }
      setFieldError(wrapper, [message]);
      input.focus();
      announce(message);
    } finally {
      button.disabled = false;
    }
  });
  return section(
    "Unduh dokumen",
    el(
      "p",
      {},
      `Dokumen nomor ${view.document.document_number} terbit pada ${formatDateTime(view.document.issued_at)} dan ditandatangani secara elektronik. Kode QR di dokumen dapat dipindai untuk memeriksa keasliannya.`,
      CARDS.has((view.service || {}).output_document)
        ? ""
        : " Cetak di kertas HVS A4 putih; dokumen ini sah tanpa cap basah.",
    ),
    form,
  );
}

// --- booking an in-person visit ----------------------------------------------------------------

function bookingSection(ctx) {
  const { view } = ctx;
  const body = el("div", { "aria-busy": "true" }, el("p", { class: "loading", text: "Memuat jadwal…" }));
  const node = section(
    "Jadwal kedatangan",
    el("p", { text: "Langkah berikut wajib dilakukan langsung di lokasi layanan. Pesan jadwal agar tidak perlu mengantre." }),
    body,
  );
  if (!view.can_book) {
    clear(
      body,
      el("ul", {}, (view.presence || []).map((p) => el("li", { text: p.label }))),
      el("p", {
        class: "muted",
        text:
          view.status === "DRAFT"
            ? "Jadwal dapat dipesan setelah permohonan diajukan."
            : "Pemesanan jadwal tidak tersedia untuk permohonan ini.",
      }),
    );
    body.removeAttribute("aria-busy");
    return node;
  }
  loadAppointments(ctx, body);
  return node;
}

async function loadAppointments(ctx, body, message = "") {
  body.setAttribute("aria-busy", "true");
  let appointments = [];
  try {
    const answer = await api("GET", `/api/v1/applications/${ctx.id}/appointments`, { token: ctx.token });
    appointments = (answer && answer.appointments) || [];
  } catch (error) {
    clear(body, errorNotice(error));
    body.removeAttribute("aria-busy");
    return;
  }
  const steps = (ctx.view.presence || []).map((presence) => {
    const booked = appointments.find((a) => a.step === presence.step && a.status === "BOOKED");
    return stepBlock(ctx, body, presence, booked);
  });
  clear(body, message ? notice("success", el("p", { class: "booking-flash", tabindex: "-1", text: message })) : null, steps);
  body.removeAttribute("aria-busy");
  if (message) {
    body.querySelector(".booking-flash").focus();
    announce(message);
  }
}

function appointmentText(appointment) {
  const slot = appointment.slot || {};
  return `${formatDate(slot.date)}, pukul ${formatTime(slot.start_time)}\u2013${formatTime(slot.end_time)} WIB`;
}

function stepBlock(ctx, body, presence, appointment) {
  const headingId = nextId("step");
  const block = el(
    "div",
    { class: "card step-block", "aria-labelledby": headingId, role: "group", dataset: { step: presence.step } },
    el("h3", { id: headingId, text: presence.label }),
  );
  if (presence.done_at) {
    block.append(el("p", { class: "notice notice-success", text: `Selesai pada ${formatDateTime(presence.done_at)}.` }));
    return block;
  }
  const area = el("div", {});
  if (appointment) {
    const location = appointment.location || {};
    block.append(
      el(
        "div",
        { class: "appointment", id: `janji-${presence.step}` },
        el("p", {}, el("strong", { text: "Jadwal Anda: " }), appointmentText(appointment)),
        el("p", {}, el("strong", { text: location.name || "" }), el("br"), location.address || ""),
        el("p", { class: "muted", text: "Bawa KTP-el/KK asli dan datang 10 menit sebelum jadwal." }),
      ),
    );
    const cancelArea = el("div", {});
    block.append(
      el(
        "div",
        { class: "button-row" },
        el(
          "button",
          {
            type: "button",
            class: "button secondary",
            onclick: (event) => openPicker(ctx, body, area, presence, appointment, event.currentTarget),
          },
          "Ubah jadwal",
        ),
        el(
          "button",
          {
            type: "button",
            class: "button link danger",
            onclick: () => confirmCancelAppointment(ctx, body, cancelArea, appointment),
          },
          "Batalkan jadwal",
        ),
      ),
      cancelArea,
      area,
    );
  } else {
    block.append(
      el("p", { class: "muted", text: "Belum ada jadwal." }),
      el(
        "div",
        { class: "button-row" },
        el(
          "button",
          {
            type: "button",
            class: "button",
            onclick: (event) => openPicker(ctx, body, area, presence, null, event.currentTarget),
          },
          "Pesan jadwal",
        ),
      ),
      area,
    );
  }
  return block;
}

function confirmCancelAppointment(ctx, body, area, appointment) {
  const error = el("div", {});
  const yes = el("button", { type: "button", class: "button danger" }, "Ya, batalkan jadwal");
  const no = el("button", { type: "button", class: "button secondary", onclick: () => clear(area) }, "Tidak");
  yes.addEventListener("click", async () => {
    yes.disabled = true;
    try {
      await api("DELETE", `/api/v1/applications/${ctx.id}/appointments/${appointment.id}`, { token: ctx.token });
      await loadAppointments(ctx, body, "Jadwal dibatalkan.");
    } catch (failure) {
      clear(error, errorNotice(failure));
      yes.disabled = false;
    }
  });
  clear(area, notice("warning", el("p", { text: `Batalkan jadwal ${appointmentText(appointment)}?` }), el("div", { class: "button-row" }, yes, no), error));
  yes.focus();
}

async function openPicker(ctx, body, area, presence, appointment, trigger) {
  if (trigger) trigger.hidden = true;
  const close = () => {
    clear(area);
    if (trigger) {
      trigger.hidden = false;
      trigger.focus();
    }
  };
  const summary = summaryBox();
  const locationId = nextId("lokasi");
  const select = el("select", { id: locationId, "aria-describedby": `${locationId}-error` }, el("option", { value: "", text: "Memuat lokasi…" }));
  const locationField = el(
    "div",
    { class: "field", dataset: { path: "location", label: "Lokasi" } },
    el("label", { for: locationId, text: "Lokasi layanan" }),
    el("p", { class: "field-error", id: `${locationId}-error`, hidden: true }),
    select,
  );
  const slotsArea = el("div", { class: "slots", "aria-live": "polite" });
  const submit = el(
    "button",
    { type: "submit", class: "button" },
    appointment ? "Pindahkan ke jadwal ini" : "Pesan jadwal ini",
  );
  const cancel = el("button", { type: "button", class: "button secondary", onclick: close }, "Batal");
  const form = el(
    "form",
    { novalidate: true, class: "picker" },
    el("h4", { text: appointment ? "Pilih jadwal baru" : "Pilih lokasi dan jadwal" }),
    summary,
    locationField,
    slotsArea,
    el("div", { class: "button-row" }, submit, cancel),
  );
  clear(area, form);
  select.focus();

  try {
    const { locations } = await api("GET", `/api/v1/locations?step=${encodeURIComponent(presence.step)}`);
    clear(select,
      el("option", { value: "", text: locations.length ? "— Pilih lokasi —" : "Belum ada lokasi" }),
      locations.map((l) => el("option", { value: l.code, text: l.name })),
    );
    const current = appointment && appointment.location ? appointment.location.code : "";
    if (current && locations.some((l) => l.code === current)) {
      select.value = current;
      await showSlots();
    } else if (locations.length === 1) {
      select.value = locations[0].code;
      await showSlots();
    }
    select.addEventListener("change", showSlots);
  } catch (error) {
    clear(slotsArea, errorNotice(error));
  }

  async function showSlots() {
    setFieldError(locationField, []);
    if (!select.value) {
      clear(slotsArea);
      return;
    }
    clear(slotsArea, el("p", { class: "loading", text: "Memuat jadwal…" }));
    try {
      const from = todayWib();
      const to = todayWib(BOOKING_DAYS - 1);
      const answer = await api(
        "GET",
        `/api/v1/locations/${encodeURIComponent(select.value)}/slots?from=${from}&to=${to}`,
      );
      const location = answer.location || {};
      const slots = (answer.slots || []).filter((s) => !appointment || s.id !== appointment.slot.id);
      if (!slots.length) {
        clear(slotsArea, el("p", { text: "Belum ada jadwal tersedia di lokasi ini dalam dua minggu ke depan. Coba lokasi lain." }));
        return;
      }
      const byDate = new Map();
      for (const slot of slots) byDate.set(slot.date, [...(byDate.get(slot.date) || []), slot]);
      clear(
        slotsArea,
        location.address ? el("p", { class: "muted", text: location.address }) : null,
        el(
          "fieldset",
          { class: "field", dataset: { path: "slot_id", label: "Jadwal" } },
          el("legend", { text: "Pilih tanggal dan jam (WIB)" }),
          el("p", { class: "field-error", hidden: true }),
          [...byDate].map(([date, items]) =>
            el(
              "div",
              { class: "slot-day" },
              el("h5", { text: formatDate(date) }),
              el(
                "ul",
                { class: "slot-list" },
                items.map((slot) => {
                  const full = slot.remaining <= 0 || slot.available === false;
                  const id = `slot-${slot.id}`;
                  return el(
                    "li",
                    {},
                    el(
                      "label",
                      { for: id, class: full ? "full" : null },
                      el("input", { type: "radio", name: "slot", id, value: slot.id, disabled: full }),
                      el(
                        "span",
                        {},
                        el("span", { class: "slot-time", text: `${formatTime(slot.start_time)}\u2013${formatTime(slot.end_time)}` }),
                        " ",
                        el("span", { class: "muted", text: full ? "(penuh)" : `(sisa ${slot.remaining} tempat)` }),
                      ),
                    ),
                  );
                }),
              ),
            ),
          ),
        ),
      );
    } catch (error) {
      clear(slotsArea, errorNotice(error));
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form, summary);
    const chosen = form.querySelector("input[name=slot]:checked");
    if (!select.value) {
      showErrors(form, summary, { location: ["Pilih lokasi layanan."] });
      return;
    }
    if (!chosen) {
      showErrors(form, summary, { slot_id: ["Pilih salah satu jadwal."] });
      return;
    }
    submit.disabled = true;
    try {
      const slotId = Number(chosen.value);
      const base = `/api/v1/applications/${ctx.id}/appointments`;
      const booked = appointment
        ? await api("PUT", `${base}/${appointment.id}`, { token: ctx.token, body: { slot_id: slotId } })
        : await api("POST", base, { token: ctx.token, body: { step: presence.step, slot_id: slotId } });
      await loadAppointments(
        ctx,
        body,
        `${appointment ? "Jadwal diubah" : "Jadwal dipesan"}: ${appointmentText(booked)}.`,
      );
    } catch (error) {
      submit.disabled = false;
      const fields = flattenErrors(error.fields || {});
      delete fields.appointment_id;
      if (!Object.keys(fields).length) fields.slot_id = [error.message];
      showErrors(form, summary, fields);
      if (error.code === "SLOT_FULL") await showSlots();
    }
  });
}

// --- cancelling --------------------------------------------------------------------------------

function cancelSection(ctx) {
  const area = el("div", {});
  const open = el(
    "button",
    { type: "button", class: "button secondary", "aria-expanded": "false", "aria-controls": "batal-form" },
    "Batalkan permohonan\u2026",
  );
  const reasonId = "alasan-batal";
  const error = el("div", {});
  const confirm = el("button", { type: "submit", class: "button danger" }, "Ya, batalkan permohonan");
  const form = el(
    "form",
    { id: "batal-form", hidden: true, novalidate: true },
    el(
      "div",
      { class: "field" },
      el("label", { for: reasonId }, "Alasan pembatalan", el("span", { class: "optional", text: " (tidak wajib)" })),
      el("textarea", { id: reasonId, rows: 3, maxlength: 500 }),
    ),
    el(
      "p",
      {},
      "Permohonan yang dibatalkan tidak dapat dilanjutkan. Bila perlu, Anda dapat mengajukan permohonan baru.",
    ),
    error,
    el(
      "div",
      { class: "button-row" },
      confirm,
      el(
        "button",
        {
          type: "button",
          class: "button secondary",
          onclick: () => {
            form.hidden = true;
            open.setAttribute("aria-expanded", "false");
            open.focus();
          },
        },
        "Tidak jadi",
      ),
    ),
  );
  open.addEventListener("click", () => {
    form.hidden = !form.hidden;
    open.setAttribute("aria-expanded", String(!form.hidden));
    if (!form.hidden) form.querySelector("textarea").focus();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    confirm.disabled = true;
    clear(error);
    const reason = form.querySelector("textarea").value.trim();
    try {
      await api("POST", `/api/v1/applications/${ctx.id}/cancel`, {
        token: ctx.token,
        body: reason ? { reason } : {},
      });
      await ctx.reload({ message: "Permohonan dibatalkan." });
    } catch (failure) {
      clear(error, errorNotice(failure instanceof ApiError ? failure : new ApiError(0, "ERROR", String(failure))));
      confirm.disabled = false;
    }
  });
  area.append(
    el("p", { text: "Tidak jadi mengajukan? Permohonan dapat dibatalkan sebelum dokumen ditandatangani." }),
    open,
    form,
  );
  return section("Batalkan permohonan", area);
}

// --- routing -----------------------------------------------------------------------------------

function route({ focus = false } = {}) {
  const target = fragment();
  if (target) showApplication(target.id, target.token, { focus });
  else {
    showIndex();
    root.removeAttribute("aria-busy");
  }
}

window.addEventListener("hashchange", () => route({ focus: true }));
route();
