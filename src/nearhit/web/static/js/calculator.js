// The calculator page: every /calculator/estimate input, the answer as figures, tables and an SVG curve.
import { h, put, text, $, $$, debounce, fmtBytes, fmtInt, fmtMs, fmtPct, fmtUsd, fmtUsdCompact, isNum } from "./dom.js";
import { fetchJSON, HttpError } from "./http.js";
import { lineChart, stackedBar } from "./charts.js";
import { loadConfig, renderHeader } from "./header.js";

const form = $("#calc-form");
const fields = $$("[name]", form);
const defaults = Object.fromEntries(fields.map((f) => [f.name, f.type === "checkbox" ? f.checked : f.value]));
let controller = null;
let chatModels = [];
let knownDims = new Set(["local"]); // embedders whose dimension the server knows (/calculator/inputs)

// --- Inputs ----------------------------------------------------------------------------------------

/** The request body: percentages become fractions, empty optional fields are left out (server derives). */
function readInputs() {
  const body = {};
  for (const field of fields) {
    field.removeAttribute("aria-invalid");
    if (field.type === "checkbox") {
      body[field.name] = field.checked;
      continue;
    }
    const raw = field.value.trim();
    if (raw === "") {
      if (field.hasAttribute("data-optional")) continue;
      body[field.name] = null; // let the server say what is missing
      continue;
    }
    const kind = field.dataset.kind;
    if (field.tagName === "SELECT" || field.type === "text" || kind === "date") body[field.name] = raw;
    else if (kind === "percent") body[field.name] = round(Number(raw) / 100, 10);
    else if (kind === "int") body[field.name] = Number.isInteger(Number(raw)) ? Number(raw) : Number(raw);
    else body[field.name] = Number(raw);
  }
  return body;
}

function round(x, digits) {
  return Number(x.toFixed(digits));
}

function labelFor(name) {
  const label = document.querySelector(`label[for="${name}"]`);
  return label ? label.childNodes[0].textContent.trim() : name;
}

/** A message set inside the note's own sentence: without its closing full stop ("≤ 10000000000.."). */
function sentence(message) {
  return String(message ?? "").replace(/\.$/, "");
}

function note(message, kind = "") {
  const el = $("#form-note");
  el.dataset.kind = kind;
  text(el, message);
}

// --- Estimate --------------------------------------------------------------------------------------

/** Problems the browser can see before asking the server, in words; empty when the inputs look valid. */
function localProblems(body) {
  const problems = [];
  for (const field of fields) {
    // An exclusive minimum (requests per day > 0) is beyond the HTML attributes: checked here.
    const atOpenMin = field.dataset.minOpen && field.value.trim() !== "" && Number(field.value) <= Number(field.min);
    field.setCustomValidity(atOpenMin ? `Please enter a value greater than ${field.min}.` : "");
    if (!field.validity.valid) {
      problems.push(`${labelFor(field.name)} — ${sentence(field.validationMessage) || "not a valid value"}`);
      field.setAttribute("aria-invalid", "true");
    } else if (field.value.trim() === "" && !field.hasAttribute("data-optional") && field.type !== "checkbox") {
      problems.push(`${labelFor(field.name)} — a value is needed`);
      field.setAttribute("aria-invalid", "true");
    }
  }
  if (!knownDims.has(body.embedding_model) && body.dim === undefined) {
    problems.push(`Dimensions — needed for ${body.embedding_model}`);
    $("#dim").setAttribute("aria-invalid", "true");
  }
  return problems;
}

async function update() {
  controller?.abort();
  controller = new AbortController();
  const body = readInputs();
  const problems = localProblems(body);
  if (problems.length) {
    note(`Check the inputs: ${problems.join("; ")}.`, "error");
    return;
  }
  $("#results").setAttribute("aria-busy", "true");
  try {
    const data = await fetchJSON("/calculator/estimate", { body, signal: controller.signal });
    render(data);
    if ($("#form-note").dataset.kind === "error") note("");
    document.body.dataset.estimate = String(Number(document.body.dataset.estimate ?? 0) + 1);
  } catch (error) {
    if (error?.name === "AbortError") return;
    if (error instanceof HttpError) {
      markInvalid(error.detail);
      const message = Array.isArray(error.detail)
        ? `Check the inputs: ${error.detail.map((d) => `${labelFor(d.loc?.at(-1))} — ${sentence(d.msg)}`).join("; ")}.`
        : error.message;
      note(message, "error");
    } else {
      note(`Could not reach the server: ${error.message}`, "error");
    }
  } finally {
    $("#results").setAttribute("aria-busy", "false");
  }
}

function markInvalid(detail) {
  if (!Array.isArray(detail)) return;
  for (const item of detail) {
    const name = item.loc?.at(-1);
    form.elements.namedItem(name)?.setAttribute("aria-invalid", "true");
  }
}

// --- Rendering -------------------------------------------------------------------------------------

function render(d) {
  const a = d.annual;
  const sc = d.scenario;
  const be = d.breakeven;
  const pctText = (pct, over) => (pct === null ? "n/a" : over ? "> 100%" : `${pct.toFixed(pct < 10 ? 2 : 1)}%`);

  text("k-without", fmtUsdCompact(a.token_spend_without_cache));
  text("k-without-sub", `${fmtInt(a.requests)} requests × ${sc.input_tokens} + ${sc.output_tokens} tokens on ${d.prices.chat.model}`);
  text("k-with", fmtUsdCompact(a.total_spend_with_cache));
  text("k-with-sub", `LLM on misses ${fmtUsdCompact(a.token_spend_with_cache)} + Redis ${fmtUsdCompact(a.redis_spend)}${a.embedding_spend ? ` + embeddings ${fmtUsdCompact(a.embedding_spend)}` : ""}`);
  text("k-savings", fmtUsdCompact(a.net_savings));
  const share = a.token_spend_without_cache ? a.net_savings / a.token_spend_without_cache : null;
  text("k-savings-sub", isNum(share) ? `${fmtPct(share)} of the no-cache spend at a ${fmtPct(sc.hit_rate, 0)} hit rate` : "");
  $("#k-savings-card").className = `kpi ${a.net_savings >= 0 ? "kpi-good" : "kpi-bad"}`;
  text("k-breakeven", pctText(be.full_pct, be.full_exceeds_100));
  text("k-breakeven-sub", be.full_exceeds_100 ? "the cache cannot pay for itself" : `your hit rate: ${fmtPct(sc.hit_rate, 0)}`);

  renderCurve(d);

  // Spend table
  const rows = [
    ["LLM tokens", a.token_spend_without_cache, a.token_spend_with_cache],
    ["Embeddings", 0, a.embedding_spend],
    [`Redis (${a.sku_count > 1 ? `${a.sku_count} × ` : ""}${a.sku}${sc.ha ? ", HA" : ""})`, 0, a.redis_spend],
  ];
  put($("#spend-table tbody"), rows.map(([k, x, y]) => h("tr", {}, h("td", {}, k), h("td", { class: "num" }, fmtUsd(x)), h("td", { class: "num" }, fmtUsd(y)))));
  put($("#spend-table tfoot"), h("tr", {}, h("td", {}, "Total"), h("td", { class: "num" }, fmtUsd(a.token_spend_without_cache)), h("td", { class: "num" }, fmtUsd(a.total_spend_with_cache))));
  text("spend-note", `${fmtInt(a.hits)} of ${fmtInt(a.requests)} requests a year are answered from Redis; every request pays one embedding (${sc.embedding_model}, ${fmtInt(sc.embedding_tokens)} tokens).`);

  // Breakeven
  text("be-seed", pctText(be.seed_pct, be.seed_exceeds_100));
  text("be-full", pctText(be.full_pct, be.full_exceeds_100));
  text(
    "be-seed-text",
    `Annual Redis cost ÷ annual token spend without the cache (${fmtUsd(a.redis_spend)} ÷ ${fmtUsd(a.token_spend_without_cache)}): the share of requests the cache must answer for the tokens it saves to pay for Redis alone.` +
      (be.seed_exceeds_100 ? " Above 100%: Redis costs more than all the tokens." : ""),
  );
  text(
    "be-full-text",
    `(Redis + embedding spend) ÷ token spend without the cache: the same, counting the embedding every request pays, hit or miss. Above this hit rate the cache saves money.` +
      (be.full_exceeds_100 ? " Above 100%: the cache cannot pay for itself at any hit rate." : ""),
  );

  // SKU
  const sku = d.sku;
  const nodes = sc.ha ? d.prices.redis.nodes_with_ha : 1;
  text("sku-name", `${a.sku_count > 1 ? `${a.sku_count} × ` : ""}${sku.name} · ${sku.tier}`);
  text(
    "sku-why",
    a.sku_count > 1
      ? `The working set needs ${fmtBytes(a.working_set.required_bytes)}, more than the largest SKU with vector search holds (${fmtBytes(sku.usable_bytes)} usable), so it takes ${a.sku_count} of them.`
      : `The working set needs ${fmtBytes(a.working_set.required_bytes)} (with ${fmtPct(sc.headroom, 0)} headroom); ${sku.name} is the smallest SKU with vector search whose usable memory (${fmtBytes(sku.usable_bytes)}, ${fmtPct(d.prices.redis.usable_fraction, 0)} of ${sku.advertised_gb} GB) holds it.`,
  );
  const skuRows = [
    ["Price", `$${sku.usd_per_node_hour} / node-hour (${sku.kind === "list" ? "list price" : sku.kind})`],
    ["Nodes", `${nodes}${sc.ha ? " (primary + replica)" : ""}${a.sku_count > 1 ? ` × ${a.sku_count}` : ""}`],
    ["Per year", `${fmtUsd(a.redis_spend)} (${fmtInt(d.prices.redis.hours_per_year)} h)`],
    ["Price source", `${sku.source}`],
  ];
  put($("#sku-table tbody"), skuRows.map(([k, v]) => h("tr", {}, h("th", { scope: "row" }, k), h("td", {}, v))));

  // Memory
  const fp = d.footprint;
  const parts = [
    ["vector", "Vector", `${sc.dim} × float32, in 1,024-vector blocks`],
    ["index_graph", "Index", sc.algorithm === "hnsw" ? `HNSW graph, M = ${sc.hnsw_m}` : "FLAT labels"],
    ["payload", "Prompt + answer", `${fmtInt(sc.prompt_bytes)} + ${fmtInt(sc.response_bytes)} bytes, with metadata`],
    ["key_overhead", "Key & index overhead", "key, hash table, TAG/NUMERIC postings"],
  ];
  text("memory-summary", `${fmtBytes(fp.total)} per entry (${fmtInt(fp.total)} bytes).`);
  put(
    $("#memory-bar"),
    stackedBar(
      parts.map(([key, label]) => ({ value: fp[key] / fp.total, cls: `mem-${key}`, label: `${label}: ${fmtInt(fp[key])} bytes` })),
      { width: 400, height: 14, label: "Memory per entry by part" },
    ),
  );
  put(
    $("#memory-table tbody"),
    parts.map(([key, label, how]) =>
      h("tr", {}, h("td", {}, h("span", { class: `swatch mem-${key}` }), label, h("br"), h("small", { class: "optional" }, how)), h("td", { class: "num" }, `${fmtInt(fp[key])} B`), h("td", { class: "num" }, fmtPct(fp[key] / fp.total, 0))),
    ),
  );
  put($("#memory-table tfoot"), h("tr", {}, h("td", {}, "Per entry"), h("td", { class: "num" }, `${fmtInt(fp.total)} B`), h("td", { class: "num" }, "100%")));
  const ws = a.working_set;
  text(
    "working-set",
    `Working set: ${fmtInt(ws.entries)} entries (${fmtInt(sc.requests_per_day)} req/day × ${fmtPct(sc.distinct_share, 0)} distinct × ${(sc.ttl_seconds / 86400).toFixed(sc.ttl_seconds % 86400 ? 2 : 0)} day TTL) = ${fmtBytes(ws.bytes)}; ${fmtBytes(ws.required_bytes)} with headroom.`,
  );

  // Latency
  const lat = d.latency;
  const latRows = [
    ["LLM answer", fmtMs(lat.llm_ms)],
    ["Cache hit", fmtMs(lat.hit_ms)],
    ["Waiting saved (hits)", `${fmtInt(lat.saved_hours)} h/year`],
    ["Waiting added (lookup before each miss)", `${fmtInt(lat.added_hours)} h/year`],
    ["Net time saved", `${fmtInt(lat.net_saved_hours)} h/year`],
  ];
  put($("#latency-table tbody"), latRows.map(([k, v]) => h("tr", {}, h("th", { scope: "row" }, k), h("td", { class: "num" }, v))));

  // Projection
  put(
    $("#projection-table tbody"),
    d.projection.map((y, i) =>
      h("tr", {}, h("td", {}, `Year ${i + 1}`), h("td", { class: "num" }, fmtInt(y.requests_per_day)), h("td", { class: "num" }, `${y.sku_count > 1 ? `${y.sku_count} × ` : ""}${y.sku}`), h("td", { class: "num" }, fmtUsd(y.net_savings))),
    ),
  );

  text(
    "sources",
    `Prices: ${d.prices.chat.model} ${fmtUsd(d.prices.chat.input_per_mtok)} / ${fmtUsd(d.prices.chat.output_per_mtok)} per 1M input / output tokens (${d.prices.chat.source}, ${d.prices.chat.as_of}); embeddings: ${d.prices.embedding.source}; Redis: ${d.prices.redis.name} ${d.prices.redis.region}, ${d.prices.redis.as_of}.`,
  );
}

function renderCurve(d) {
  const points = d.curve.map((p) => ({ x: p.hit_rate * 100, y: p.net_savings }));
  const hit = d.scenario.hit_rate * 100;
  const be = d.breakeven;
  const markers = [{ id: "current", x: hit, y: d.annual.net_savings, label: `You: ${hit.toFixed(0)}% → ${fmtUsdCompact(d.annual.net_savings)}`, cls: "marker-current", row: 0 }];
  if (isNum(be.full_pct) && !be.full_exceeds_100) {
    markers.push({ id: "breakeven", x: be.full_pct, y: 0, label: `Breakeven ${be.full_pct.toFixed(be.full_pct < 10 ? 1 : 0)}%`, cls: "marker-breakeven", row: 1 });
  }
  const chart = $("#curve-chart");
  const width = Math.max(320, Math.round(chart.clientWidth || 720));
  const height = width < 500 ? 260 : 320;
  put(
    chart,
    lineChart(points, {
      width,
      height,
      markers,
      xFmt: (x) => `${Math.round(x)}%`,
      yFmt: fmtUsdCompact,
      xTitle: "Hit rate",
      yTitle: "Net savings per year",
      label: `Net savings from ${fmtUsdCompact(points[0].y)} at 0% to ${fmtUsdCompact(points.at(-1).y)} at 100% hit rate; yours: ${fmtUsdCompact(d.annual.net_savings)} at ${hit.toFixed(0)}%`,
    }),
  );
  text("lg-current", `your hit rate (${hit.toFixed(0)}%)`);
  text("lg-breakeven", be.full_exceeds_100 ? "breakeven above 100%" : `breakeven (${isNum(be.full_pct) ? be.full_pct.toFixed(1) : "n/a"}%)`);
}

// --- Observed telemetry ----------------------------------------------------------------------------

async function fillObserved() {
  try {
    // The same derivation as `nearhit calc --observed` (nearhit.economics.observed), done by the server.
    const observed = await fetchJSON("/calculator/observed");
    const filled = [];
    setValue("hit_rate", round(observed.hit_rate * 100, 2));
    syncRange();
    filled.push(`hit rate ${fmtPct(observed.hit_rate)}`);
    setValue("input_tokens", observed.input_tokens);
    setValue("output_tokens", observed.output_tokens);
    filled.push(`${observed.input_tokens} input / ${observed.output_tokens} output tokens (mean per LLM answer)`);
    if (chatModels.includes(observed.model)) {
      setValue("model", observed.model);
      filled.push(`model ${observed.model}`);
    }
    if (isNum(observed.llm_latency_ms)) {
      setValue("llm_latency_ms", Math.round(observed.llm_latency_ms));
      filled.push(`LLM time ${fmtMs(observed.llm_latency_ms)} (raw p50)`);
    }
    note(`Filled from ${fmtInt(observed.requests)} observed requests: ${filled.join(", ")}. Requests per day kept.`, "ok");
    update();
  } catch (error) {
    if (error instanceof HttpError && error.status === 409) note(`${error.detail}.`, "error"); // nothing observed yet
    else note(`Telemetry is unavailable: ${error instanceof HttpError ? error.detail : error.message}`, "error");
  }
}

function setValue(name, value) {
  const field = form.elements.namedItem(name);
  if (field) field.value = String(value);
}

// --- Options from the server -----------------------------------------------------------------------

/** Each number's min, max and step from /calculator/inputs: the scenario schema the server validates with,
 * so the form and the API cannot disagree on a limit. Percent fields show the fraction × 100. */
async function loadInputLimits() {
  try {
    const data = await fetchJSON("/calculator/inputs");
    knownDims = new Set(Object.keys(data.known_dimensions));
    for (const [name, spec] of Object.entries(data.fields)) {
      const field = form.elements.namedItem(name);
      if (!field) continue;
      const scale = field.dataset.kind === "percent" ? 100 : 1;
      field.min = String(round(spec.min * scale, 10));
      field.max = String(round(spec.max * scale, 10));
      field.step = spec.integer ? "1" : "any";
      if (spec.min_open) field.dataset.minOpen = "true";
    }
  } catch (error) {
    note(`Input limits unavailable (the server checks them): ${error.message}`, "error");
  }
}

async function loadModels() {
  try {
    const data = await fetchJSON("/calculator/models");
    chatModels = data.chat.map((m) => m.model);
    const byProvider = new Map();
    for (const m of data.chat) {
      if (!byProvider.has(m.provider)) byProvider.set(m.provider, []);
      byProvider.get(m.provider).push(m);
    }
    const select = $("#model");
    const current = select.value;
    put(
      select,
      [...byProvider.entries()].map(([provider, models]) =>
        h("optgroup", { label: provider }, models.map((m) => h("option", { value: m.model }, `${m.model} — $${m.input_per_mtok} / $${m.output_per_mtok}`))),
      ),
    );
    select.value = chatModels.includes(current) ? current : "gpt-4o";
    const embed = $("#embedding_model");
    put(
      embed,
      data.embedding.map((m) =>
        h("option", { value: m.model }, m.provider === "nearhit" ? `${m.name}, free` : `${m.model} — $${m.input_per_mtok}${knownDims.has(m.model) ? "" : " (set dimensions)"}`),
      ),
    );
    embed.value = "local";
  } catch (error) {
    note(`Model list unavailable: ${error.message}`, "error");
  }
}

// --- Wiring ----------------------------------------------------------------------------------------

function syncRange() {
  const value = Number($("#hit_rate").value);
  if (isNum(value)) $("#hit_rate_range").value = String(Math.min(100, Math.max(0, value)));
}

async function main() {
  renderHeader();
  const later = debounce(update, 250);
  form.addEventListener("input", (event) => {
    if (event.target.id === "hit_rate") syncRange();
    later();
  });
  form.addEventListener("change", later);
  $("#hit_rate_range").addEventListener("input", (event) => {
    $("#hit_rate").value = event.target.value;
    later();
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  $("#fill-observed").addEventListener("click", fillObserved);
  $("#reset").addEventListener("click", () => {
    for (const field of fields) {
      if (field.type === "checkbox") field.checked = defaults[field.name];
      else if (field.name === "model") field.value = "gpt-4o";
      else if (field.name === "embedding_model") field.value = "local";
      else field.value = defaults[field.name];
    }
    syncRange();
    note("");
    update();
  });
  let lastWidth = 0;
  new ResizeObserver(
    debounce(() => {
      const width = $("#curve-chart").clientWidth;
      if (Math.abs(width - lastWidth) > 8 && document.body.dataset.estimate) update();
      lastWidth = width;
    }, 150),
  ).observe($("#curve-chart"));
  loadConfig();
  await loadInputLimits(); // first: the model list labels embedders by whether their dimension is known
  await loadModels();
  await update();
  document.body.dataset.ready = "true";
}

main();
