// The live metrics panel: /telemetry/summary every few seconds, as numbers and small SVG charts.
import { h, put, text, $, fmtInt, fmtMs, fmtPct, fmtUsd, isNum } from "./dom.js";
import { credential, fetchJSON } from "./http.js";
import { sparkline, stackedBar, latencyBars } from "./charts.js";

const REFRESH_MS = 5000;
const SERIES_MAX = 60;
const series = { tokens: [], cost: [], hit: [] };
let latest = null;
let timer = null;
let inflight = null;
let allowed = { key: null, yes: false };

/** Whether the key in use may read the figures (they sum over every tenant: the admin's on a secured server),
 * asked of /ui/config once per key, so the panel never polls into a refusal. */
async function mayRead() {
  const key = credential.get();
  if (allowed.key !== key) allowed = { key, yes: (await fetchJSON("/ui/config")).aggregates };
  return allowed.yes;
}

function view() {
  return document.querySelector("input[name=window]:checked")?.value ?? "window";
}

/** Give each card of the panel its parts: a value, a detail line and a chart (the wide latency card: a chart
 * over its detail line, no single value). */
function drawCards() {
  const value = () => h("p", { class: "metric-value", "data-role": "value" }, "—");
  const sub = () => h("p", { class: "metric-sub", "data-role": "sub" });
  const chart = () => h("div", { class: "chart", "data-role": "chart" });
  for (const root of document.querySelectorAll("#metrics .metric")) {
    root.append(...(root.classList.contains("metric-wide") ? [chart(), sub()] : [value(), sub(), chart()]));
  }
}

export function startMetrics() {
  drawCards();
  for (const radio of document.querySelectorAll("input[name=window]")) radio.addEventListener("change", () => render());
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) refreshMetrics();
  });
  refreshMetrics();
  timer = setInterval(() => {
    if (!document.hidden) refreshMetrics();
  }, REFRESH_MS);
  return timer;
}

export async function refreshMetrics() {
  if (inflight) return inflight;
  inflight = (async () => {
    const error = $("#metrics-error");
    try {
      if (!(await mayRead())) {
        text(error, "The live metrics sum over every tenant: on this secured server they need the admin token in the Key field.");
        error.hidden = false;
        return;
      }
      latest = await fetchJSON("/telemetry/summary?window=300");
      error.hidden = true;
      const all = latest.all_time;
      push(series.tokens, all.tokens_saved);
      push(series.cost, all.cost_saved_usd);
      push(series.hit, all.hit_rate);
      render();
      text("metrics-updated", `Updated ${new Date().toLocaleTimeString()} · refreshes every ${REFRESH_MS / 1000} s · ${latest.model} priced as ${latest.priced_as}`);
    } catch (err) {
      text(error, `Metrics are unavailable: ${err.message}`);
      error.hidden = false;
    } finally {
      inflight = null;
    }
  })();
  return inflight;
}

function push(list, value) {
  if (!isNum(value)) return;
  list.push(value);
  if (list.length > SERIES_MAX) list.shift();
}

function card(id) {
  const root = document.getElementById(id);
  return { value: $("[data-role=value]", root), sub: $("[data-role=sub]", root), chart: $("[data-role=chart]", root) };
}

function render() {
  if (!latest) return;
  const data = latest[view()];
  const label = view() === "window" ? "in the last 5 min" : "all time";

  const hit = card("m-hit");
  text(hit.value, data.cache_requests ? fmtPct(data.hit_rate) : "—");
  text(hit.sub, `${fmtPct(data.exact_hit_rate)} exact · ${fmtPct(data.semantic_hit_rate)} semantic · ${fmtInt(data.cache_requests)} requests ${label}`);
  const missRate = data.cache_requests ? data.misses / data.cache_requests : 0;
  put(
    hit.chart,
    stackedBar(
      [
        { value: data.exact_hit_rate, cls: "seg-exact", label: `exact ${fmtPct(data.exact_hit_rate)}` },
        { value: data.semantic_hit_rate, cls: "seg-semantic", label: `semantic ${fmtPct(data.semantic_hit_rate)}` },
        { value: missRate, cls: "seg-miss", label: `miss ${fmtPct(missRate)}` },
      ],
      { label: `Hit rate: ${fmtPct(data.exact_hit_rate)} exact, ${fmtPct(data.semantic_hit_rate)} semantic` },
    ),
    h(
      "ul",
      { class: "legend" },
      h("li", {}, h("i", { class: "seg-exact" }), "exact"),
      h("li", {}, h("i", { class: "seg-semantic" }), "semantic"),
      h("li", {}, h("i", { class: "seg-miss" }), "miss"),
    ),
  );

  const tokens = card("m-tokens");
  text(tokens.value, fmtInt(data.tokens_saved));
  text(tokens.sub, `${label} · ${fmtInt(latest.all_time.tokens_saved)} all time`);
  put(tokens.chart, sparkline(series.tokens, { label: "Tokens saved over time (all time total)" }));

  const cost = card("m-cost");
  text(cost.value, fmtUsd(data.cost_saved_usd));
  const spent = data.raw_cost_usd ? ` · the raw column spent ${fmtUsd(data.raw_cost_usd)}` : "";
  text(cost.sub, `${label}${spent}`);
  put(cost.chart, sparkline(series.cost, { label: "Cost saved over time (all time total)" }));

  const latency = card("m-latency");
  const lat = data.latency ?? {};
  put(
    latency.chart,
    latencyBars(
      [
        { name: "Raw", cls: "bar-raw", p50: lat.raw?.total_ms?.p50, p95: lat.raw?.total_ms?.p95 },
        { name: "Cache", cls: "bar-cache", p50: lat.cache?.total_ms?.p50, p95: lat.cache?.total_ms?.p95 },
      ],
      { fmt: fmtMs, width: Math.max(300, Math.round(latency.chart.clientWidth || 420)) },
    ),
  );
  const speedup = lat.raw?.total_ms?.p50 && lat.cache?.total_ms?.p50 ? lat.raw.total_ms.p50 / lat.cache.total_ms.p50 : null;
  text(
    latency.sub,
    `First token p50: raw ${fmtMs(lat.raw?.ttft_ms?.p50)}, cache ${fmtMs(lat.cache?.ttft_ms?.p50)}` +
      (isNum(speedup) ? ` · cache median ${speedup >= 1 ? `${speedup.toFixed(speedup >= 10 ? 0 : 1)}× faster` : "slower"}` : "") +
      (data.errors ? ` · ${fmtInt(data.errors)} errors` : "") +
      (data.degraded ? ` · ${fmtInt(data.degraded)} degraded` : ""),
  );
}
