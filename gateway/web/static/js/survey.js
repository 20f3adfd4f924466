// The IKM survey (/survei/{token}): the nine elements of PermenPAN-RB No. 14/2017 as radio groups
// (one fieldset each, the question as its legend), optional free text, one answer per application.
// GET /api/v1/survey/{token} gives the questions; POST sends {scores: {U1: 1..4, ...}, comment}.

import { announce, api, clear, el } from "./lib.js";
import { button, errorNotice, loading, notice } from "./ui.js";

const root = document.getElementById("isi");
const token = decodeURIComponent(window.location.pathname.split("/").pop() || "");
const path = `/api/v1/survey/${encodeURIComponent(token)}`;

function thanks(text) {
  const title = el("h2", { tabindex: "-1", text: "Terima kasih" });
  clear(root, notice("success", title, el("p", { text })));
  title.focus();
}

function question(element, index) {
  const errorId = `galat-${element.code}`;
  return el(
    "fieldset",
    { class: "field", dataset: { code: element.code }, "aria-describedby": errorId },
    el("legend", { text: `${index + 1}. ${element.question}` }),
    el("p", { class: "hint", text: `Unsur: ${element.name}` }),
    el("p", { class: "field-error", id: errorId, hidden: true }),
    element.options.map((option) => {
      const id = `jawab-${element.code}-${option.score}`;
      return el(
        "div",
        { class: "control check" },
        el("input", { type: "radio", name: element.code, id, value: String(option.score), required: true }),
        el("label", { for: id, text: option.label }),
      );
    }),
  );
}

function chosen(form, survey) {
  const scores = {};
  const missing = [];
  for (const element of survey.elements) {
    const input = form.querySelector(`input[name="${element.code}"]:checked`);
    if (input) scores[element.code] = Number(input.value);
    else missing.push(element.code);
  }
  return { scores, missing };
}

function showMissing(form, missing) {
  for (const group of form.querySelectorAll("fieldset[data-code]")) {
    const error = group.querySelector(".field-error");
    const absent = missing.includes(group.dataset.code);
    group.classList.toggle("has-error", absent);
    error.hidden = !absent;
    error.textContent = absent ? "Pilih salah satu jawaban." : "";
  }
  const first = form.querySelector("fieldset.has-error input");
  if (first) first.focus();
}

function surveyForm(survey) {
  const status = el("div", {});
  const commentId = "saran";
  const comment = el("textarea", { id: commentId, name: "comment", rows: 4, maxlength: survey.comment_max_length });
  const submit = button("Kirim jawaban", { type: "submit", kind: "block" });
  const form = el(
    "form",
    { novalidate: true, "aria-label": "Survei kepuasan" },
    survey.elements.map(question),
    el(
      "div",
      { class: "field" },
      el("label", { for: commentId, text: "Saran dan masukan (tidak wajib)" }),
      el("p", { class: "hint", text: `Paling banyak ${survey.comment_max_length} karakter. Jangan menuliskan NIK atau data pribadi.` }),
      comment,
    ),
    status,
    submit,
  );
  // An answered question loses its error at once.
  form.addEventListener("change", (event) => {
    const group = event.target.closest("fieldset[data-code]");
    if (!group) return;
    group.classList.remove("has-error");
    group.querySelector(".field-error").hidden = true;
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { scores, missing } = chosen(form, survey);
    showMissing(form, missing);
    if (missing.length) {
      announce(`Masih ada ${missing.length} pertanyaan yang belum dijawab.`);
      return;
    }
    submit.disabled = true;
    try {
      const text = comment.value.trim();
      await api("POST", path, { body: { scores, comment: text || null } });
      thanks("Jawaban Anda sudah kami terima dan membantu kami memperbaiki layanan.");
    } catch (error) {
      submit.disabled = false;
      if (error.code === "SURVEY_ALREADY_ANSWERED") return thanks(error.message);
      clear(status, errorNotice(error));
    }
  });
  return form;
}

async function start() {
  clear(root, loading());
  try {
    const survey = await api("GET", path);
    if (survey.answered) return thanks("Survei untuk permohonan ini sudah diisi. Terima kasih atas penilaian Anda.");
    clear(
      root,
      el("p", { class: "lead", text: `Layanan: ${survey.service_name}. Pilih satu jawaban untuk setiap pertanyaan.` }),
      el("p", { text: "Jawaban Anda tidak dikaitkan dengan NIK Anda dalam laporan. Survei hanya dapat diisi satu kali." }),
      surveyForm(survey),
    );
  } catch (error) {
    clear(root, errorNotice(error));
  }
}

start();
