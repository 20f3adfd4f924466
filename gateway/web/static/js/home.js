// Home page: the service catalogue from GET /api/v1/services, with requirements, service time
// and whether a visit in person is needed, each linking to its application form.

import { api, clear, el, workingDays } from "./lib.js";
import { errorNotice } from "./ui.js";

const list = document.getElementById("daftar-layanan");
const search = document.getElementById("cari-layanan");
const count = document.getElementById("jumlah-layanan");

function requirementItem(doc) {
  let note = doc.required ? "wajib" : "bila diperlukan";
  if (doc.required_when) note = "wajib pada kondisi tertentu";
  return el("li", {}, doc.label, " ", el("span", { class: "muted", text: `(${note})` }));
}

function serviceCard(service) {
  const headingId = `layanan-${service.code}`;
  const visits = service.presence || [];
  const documents = service.required_documents || [];
  return el(
    "li",
    { dataset: { search: `${service.name} ${service.description || ""} ${service.code}`.toLowerCase() } },
    el(
      "article",
      { class: "card service", "aria-labelledby": headingId },
      el("h3", { id: headingId, text: service.name }),
      el("p", { text: service.description || "" }),
      el(
        "ul",
        { class: "facts" },
        el("li", {}, "Waktu layanan: ", el("strong", { text: workingDays(service.target_working_days) })),
        el(
          "li",
          {},
          visits.length
            ? el("span", { class: "tag tag-visit", text: "Perlu datang langsung" })
            : el("span", { class: "tag tag-online", text: "Tanpa datang ke kantor" }),
        ),
        visits.length
          ? el(
              "li",
              { class: "visit-steps" },
              el("span", {}, "Datang ke lokasi layanan untuk: ", visits.map((v) => v.label).join("; "), "."),
            )
          : null,
      ),
      el(
        "details",
        {},
        el("summary", {}, `Persyaratan (${documents.length} dokumen)`),
        el("ul", { class: "doc-list" }, documents.map(requirementItem)),
      ),
      el(
        "p",
        { class: "actions" },
        el(
          "a",
          {
            class: "button",
            href: `/layanan/${encodeURIComponent(service.code)}`,
            "aria-describedby": headingId,
          },
          "Ajukan permohonan",
        ),
      ),
    ),
  );
}

function applyFilter() {
  const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
  let shown = 0;
  for (const item of list.querySelectorAll("li[data-search]")) {
    const match = words.every((w) => item.dataset.search.includes(w));
    item.hidden = !match;
    if (match) shown += 1;
  }
  const total = list.querySelectorAll("li[data-search]").length;
  count.textContent =
    shown === total ? `${total} layanan tersedia.` : `${shown} dari ${total} layanan cocok dengan pencarian.`;
}

async function main() {
  try {
    const { services } = await api("GET", "/api/v1/services");
    clear(list, el("ul", { class: "service-list" }, services.map(serviceCard)));
    applyFilter();
  } catch (error) {
    clear(list, errorNotice(error), el("p", {}, el("a", { href: "/status" }, "Lihat status layanan")));
  } finally {
    list.removeAttribute("aria-busy");
  }
}

search.addEventListener("input", applyFilter);
main();
