// The header both pages share, drawn here once: brand, page links (the current one marked) and the badge of
// the model that answers (and whether it is simulated). A page's own controls stay in its <header> and are
// moved to the header's end.
import { credential, fetchJSON } from "./http.js";
import { h, s, text } from "./dom.js";

const PAGES = [
  { page: "chat", href: "/", label: "Chat" },
  { page: "calculator", href: "/calculator", label: "Calculator", title: "Cost & sizing calculator", icon: calculatorIcon },
  { page: "docs", href: "/docs", label: "API", title: "The HTTP API: interactive docs (OpenAPI)" },
];

/** Fill `<header class="topbar" data-badge-title="...">` for the page named by `<body data-page>`. */
export function renderHeader() {
  const header = document.querySelector("header.topbar");
  if (!header) return;
  const current = document.body.dataset.page;
  const own = [...header.children]; // the page's controls (the chat page's hover switch)
  const nav = h(
    "nav",
    { class: "nav", "aria-label": "Pages" },
    PAGES.map(({ page, href, label, title, icon }) =>
      h("a", { href, title, "aria-current": page === current ? "page" : undefined }, icon?.(), label),
    ),
  );
  const badge = h(
    "div",
    { class: "model-badge", id: "model-badge", title: header.dataset.badgeTitle ?? "The model that answers" },
    h("span", { class: "model-label" }, "Model"),
    h("span", { class: "model-name", id: "model-name" }, "…"),
    h("span", { class: "pill pill-sim", id: "model-sim", hidden: true }, "simulated"),
  );
  const brand = h(
    "a",
    { class: "brand", href: "/", "aria-label": "nearhit home" },
    h("img", { src: "/static/favicon.svg", alt: "", width: 28, height: 28 }),
    h("span", { class: "brand-name" }, "nearhit"),
    h("span", { class: "brand-tag" }, "semantic cache on Redis"),
  );
  header.replaceChildren(brand, nav, h("div", { class: "topbar-end" }, badge, ...own));
}

function calculatorIcon() {
  const dots = [8.5, 12, 15.5].flatMap((cx) => [13.5, 17.5].map((cy) => s("circle", { cx, cy, r: 1.2 })));
  return s(
    "svg",
    { "aria-hidden": "true", viewBox: "0 0 24 24", width: 16, height: 16 },
    s("rect", { x: 4, y: 2.5, width: 16, height: 19, rx: 2.5, fill: "none", stroke: "currentColor", "stroke-width": 1.8 }),
    s("rect", { x: 7, y: 5.5, width: 10, height: 4, rx: 1, fill: "currentColor" }),
    s("g", { fill: "currentColor" }, dots),
  );
}

/** The secured server's key field, at the start of the header's end: what is typed is kept for the tab
 * (sessionStorage) and sent with every call from then on (http.js). */
function showKeyField() {
  if (document.getElementById("api-key")) return;
  const input = h("input", {
    id: "api-key",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "gateway key or admin token",
    title: "This server is secured: its calls need a key (NEARHIT_GATEWAY_KEYS) or the admin token. Kept for this tab only.",
    onchange: () => credential.set(input.value.trim()),
  });
  input.value = credential.get();
  const field = h("label", { class: "key-field" }, h("span", { class: "model-label" }, "Key"), input);
  document.querySelector(".topbar-end")?.prepend(field);
}

/** Fetch /ui/config and show the model; resolves to the config (or null when the server is away). */
export async function loadConfig() {
  try {
    const config = await fetchJSON("/ui/config");
    text("model-name", config.model);
    const badge = document.getElementById("model-badge");
    badge?.setAttribute("title", `Answers come from ${config.model} (priced as ${config.priced_as})`);
    const sim = document.getElementById("model-sim");
    if (sim) sim.hidden = !config.simulated;
    const hint = document.getElementById("sim-hint");
    if (hint) {
      hint.hidden = !config.simulated;
      if (config.hint) text("sim-hint-text", config.hint);
    }
    if (config.secured) showKeyField();
    return config;
  } catch (error) {
    text("model-name", "unknown (server unreachable)");
    return null;
  }
}
