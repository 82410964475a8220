// The chat page: ask once, watch the raw LLM and the cache answer side by side.
import { h, put, quoted, text, $, $$, fmtInt, fmtMs, fmtUsd, isNum } from "./dom.js";
import { fetchJSON, HttpError } from "./http.js";
import { postSSE } from "./sse.js";
import { loadConfig, renderHeader } from "./header.js";
import { startMetrics, refreshMetrics } from "./metrics.js";

const HOVER_KEY = "nearhit.hover";
const HISTORY_KEY = "nearhit.history";
const HISTORY_MAX = 50;
const TURNS_SENT = 20; // the last 10 questions and answers of a conversation go with each question

const state = {
  config: null,
  conversationId: null,
  turns: [], // the earlier turns of the current conversation, sent as `history` (none in the shared one)
  controller: null,
  history: loadHistory(),
  hover: localStorage.getItem(HOVER_KEY) !== "off",
  document: null, // the last cache_document
  prompt: null, // the question that document answered
};

// --- Columns ---------------------------------------------------------------------------------------

const STATS = [
  ["ttft", "First token"],
  ["total", "Total"],
  ["tokens", "Tokens"],
  ["cost", "Cost"],
];
const SAVED_STATS = [
  ["tokens_saved", "Tokens saved"],
  ["cost_saved", "Cost saved"],
];

/** A column's badges and figures, drawn here once for both columns (the cache's `<dl data-saved>` adds what
 * it saved). */
function drawColumn(root) {
  put(
    $(".column-badges", root),
    h("span", { class: "rank", "data-role": "rank", hidden: true }),
    h("span", { class: "status", "data-role": "status" }, "Idle"),
  );
  const list = $("dl.stats", root);
  const item = ([stat, label], saved) =>
    h("div", { class: saved ? "saved" : undefined }, h("dt", {}, label), h("dd", { "data-stat": stat }, "—"));
  put(list, STATS.map((s) => item(s, false)), "saved" in list.dataset ? SAVED_STATS.map((s) => item(s, true)) : []);
}

class ColumnView {
  constructor(root) {
    drawColumn(root);
    this.root = root;
    this.name = root.dataset.column;
    this.answer = $("[data-role=answer]", root);
    this.status = $("[data-role=status]", root);
    this.error = $("[data-role=error]", root);
    this.rank = $("[data-role=rank]", root);
    this.match = $("[data-role=match]", root);
  }

  reset(waitingText) {
    this.done = false;
    this.complete = null;
    this.textNode = document.createTextNode("");
    put(this.answer, this.textNode);
    this.answer.dataset.empty = "true";
    this.error.hidden = true;
    this.rank.hidden = true;
    this.root.removeAttribute("data-rank");
    for (const dd of $$("[data-stat]", this.root)) {
      dd.textContent = "—";
      dd.removeAttribute("title");
    }
    this.setStatus("waiting", waitingText ?? "Waiting");
  }

  skip(reason) {
    this.reset();
    this.done = true;
    put(this.answer, h("span", { class: "placeholder" }, reason));
    this.setStatus("off", "Off");
  }

  setStatus(status, label) {
    this.root.dataset.status = status;
    text(this.status, label);
  }

  append(content) {
    if (this.answer.dataset.empty === "true") {
      this.answer.dataset.empty = "false";
      if (this.root.dataset.status === "waiting") this.setStatus("streaming", "Streaming");
    }
    this.textNode.appendData(content);
  }

  showError(message) {
    text(this.error, message);
    this.error.hidden = false;
  }

  finish(data, rank) {
    this.done = true;
    this.complete = data;
    const labels = { done: "Done", degraded: "Degraded", error: "Error" };
    this.setStatus(data.status, labels[data.status] ?? data.status);
    if (data.status === "error") {
      this.showError(llmErrorText(data.error, data.error_status));
      if (this.answer.dataset.empty === "true") put(this.answer, h("span", { class: "placeholder" }, "No answer."));
    } else if (data.status === "degraded" && data.error) {
      this.showError(`Answered without the cache: ${data.error}`);
    }
    if (data.finish_reason && data.finish_reason !== "stop" && data.status !== "error") {
      this.showError(`The answer was cut short (finish reason: ${data.finish_reason}).`);
    }
    this.root.dataset.rank = String(rank);
    text(this.rank, rank === 1 ? "1st" : "2nd");
    this.rank.title = rank === 1 ? "Finished first" : "Finished second";
    this.rank.hidden = false;
    this.stat("ttft", fmtMs(data.ttft_ms));
    this.stat("total", fmtMs(data.total_ms));
    const tokens = (data.prompt_tokens ?? 0) + (data.completion_tokens ?? 0);
    this.stat("tokens", tokens ? `${fmtInt(data.prompt_tokens)} + ${fmtInt(data.completion_tokens)}` : "0");
    if (tokens) $("[data-stat=tokens]", this.root).title = `${data.prompt_tokens} prompt + ${data.completion_tokens} completion tokens`;
    this.stat("cost", fmtUsd(data.cost_usd));
    this.stat("tokens_saved", fmtInt(data.tokens_saved));
    this.stat("cost_saved", fmtUsd(data.cost_saved_usd));
  }

  stat(name, value) {
    const dd = $(`[data-stat=${name}]`, this.root);
    if (dd) dd.textContent = value;
  }

  /** The stream ended (or failed) before this column said it was complete. */
  abandon(message) {
    if (this.done) return;
    this.done = true;
    this.setStatus("error", "Error");
    this.showError(message);
  }
}

const raw = new ColumnView($("#col-raw"));
const cache = new ColumnView($("#col-cache"));
const columns = { raw, cache };

// --- The cache column's match line and inspector ----------------------------------------------------

function setMatch(kind, label) {
  cache.match.dataset.kind = kind;
  text(cache.match, label);
}

// What served a candidate under the similarity threshold (``Margin`` in cache/results.py), in plain words.
const MARGINS = {
  quiet: "no guard read any difference (the quiet band)",
  same_turns: "its earlier turns are the same as this conversation's",
  conversation: "its earlier turns matched this conversation's",
  decision: "the decision's score passed",
  judge: "the trained conversation judge's verdict",
};

// The strict setting's refusal (``REFUSED_BY`` in cache/strict.py, NEARHIT_CONVERSATION_STRICT): a conversation hit
// refused because one side's user turns say more than the other's.
const STRICT = "conversation_strict";

/** What the strict setting's reason (``strict.refuses``) says each side said more, in the banner's words: "this
 * conversation said '…'", "the other conversation said '…'" (the stored one); the reason whole if it reads otherwise.
 * With a judge (``judge.refuse_strictly``), its p under its cut follows: "the judge not sure: p 0.123 < 0.98". */
function strictSaid(reason) {
  const [refusal, judged] = (reason ?? "").split("; the conversation judge is not sure: ");
  const said = refusal
    .replace(/^strict: /, "")
    .replace(/ \(NEARHIT_CONVERSATION_STRICT\)$/, "")
    .replace(/, which the other side's user turns do not$/, "")
    .replace(/^this conversation says /, "this conversation said ")
    .replace(/(^|, and )the stored one says /, "$1the other conversation said ");
  const told = said || "one side's user turns say more than the other's";
  return judged ? `${told}; the judge not sure: ${judged}` : told;
}

// The model's check of a conversation's semantic hit (``REFUSED_BY`` in cache/verified.py, NEARHIT_VERIFY_MODEL).
const VERIFY = "verify";

/** Why the model's check refused a hit, in the banner's words: its model said no, or the check failed (fail closed). */
function checkRefused(verify) {
  if (verify?.skipped) return `the model's check was not asked, its model kept failing (${verify.skipped}), so the hit was refused`;
  if (verify?.error) return `the model's check failed, so the hit was refused: ${verify.error}`;
  const model = verify && answeredBy(verify);
  return `the model's check${model ? `, ${model},` : ""} said no: the stored answer was not served`;
}

/** Why the nearest candidate was not served when no guard refused it. A conversation's can be above the threshold
 * and still under a floor of its own ("told as one question: 0.875 < 0.88"): its reason, not "0.875 < 0.76". */
function nearestUnder(candidate, threshold) {
  if (candidate.reason) return `nearest ${num(candidate.similarity, 3)}, ${candidate.reason}`;
  if (isNum(threshold) && candidate.similarity >= threshold) return `nearest: ${num(candidate.similarity, 3)}, not served`;
  return `nearest: ${num(candidate.similarity, 3)} < ${num(threshold, 2)}`;
}

/** A miss refused behind a nearer question ("a nearer cached question was refused: ..."): that nearer refusal,
 * which is why the question missed. The one reported is the farther candidate whose score passed. */
function refusedBehind(doc) {
  const nearer = (doc.candidates ?? []).find((c) => c.outcome.startsWith("rejected_by") && c.reason !== doc.rejection_reason);
  if (!nearer) return ` (rejected by the decision: ${doc.rejection_reason})`;
  const by = nearer.guard === "decision" ? "the decision" : `the ${nearer.guard} guard`;
  return ` (the nearest, ${num(nearer.similarity, 3)}, rejected by ${by}: ${nearer.reason}; none farther is served behind it)`;
}

/** How a conversation's follow-up was matched, when not by itself: a short follow-up ("How do I stop that?")
 * served a stored question reads as a wrong hit until the line says what was compared (the inspector shows it). */
function matchedHow(context) {
  if (context?.judge) return ` · the conversation judge: p ${num(context.judge.p, 3)} ≥ ${context.judge.cut}`;
  if (context?.rewritten) return " · rewritten as a standalone question";
  if (context?.told_as_one) return " · the conversation and this question read as one question";
  return context ? " · with its earlier turns" : "";
}

function matchFromDocument(doc) {
  if (doc.degraded) return setMatch("degraded", `Degraded — ${doc.reason ?? "the cache is unavailable"}`);
  if (doc.match === "exact") return setMatch("exact", "Exact match");
  if (doc.match === "semantic") {
    const served = (doc.candidates ?? []).find((c) => c.outcome === "served");
    const under = served?.margin ? `, under the ${num(doc.threshold, 2)} threshold: ${MARGINS[served.margin] ?? served.margin}` : "";
    return setMatch("semantic", `Semantic match · similarity ${num(doc.similarity, 3)}${under}${matchedHow(doc.context)}`);
  }
  if (doc.reason) return setMatch("bypass", `Lookup skipped — ${doc.reason}`);
  // The score reported is the best judged one's: it can pass and still be refused (under the threshold and
  // not the nearest, or past a vetoed one): then the decision's reason, not a comparison that is false.
  // Neither the decision's best vetoed candidate nor the one the bound withholds need be the nearest.
  const why = doc.rejected_by === "decision"
    ? isNum(doc.score) && doc.score < doc.decision_threshold
      ? ` (no candidate passed the decision: best score ${num(doc.score, 2)} < ${num(doc.decision_threshold, 2)})`
      : refusedBehind(doc)
    : doc.rejected_by === "bound"
    ? ` (withheld to learn, wrong-hit bound: the candidate it would serve, similarity ${num(doc.similarity, 3)})`
    : doc.rejected_by === "feedback"
    ? " (nearest refused by feedback)"
    : doc.rejected_by === STRICT
    ? ` (Strict conversations: not served — ${strictSaid(doc.rejection_reason)})`
    : doc.rejected_by === VERIFY
    ? ` (${checkRefused(doc.verify)})`
    : doc.rejected_by && isNum(doc.decision_threshold)
    ? ` (every candidate the decision judged was vetoed; the best: rejected by the ${doc.rejected_by} guard)`
    : doc.rejected_by
    ? ` (nearest rejected by the ${doc.rejected_by} guard)`
    : isNum(doc.candidates?.[0]?.similarity)
      ? ` (${nearestUnder(doc.candidates[0], doc.threshold)})`
      : "";
  return setMatch("miss", `Miss${why} → asking the LLM`);
}

function matchOnComplete(data, request) {
  if (data.status === "error") return setMatch("error", "Error — nothing was stored");
  // Whether the answer was stored is the server's to say (`store`): an answer it refuses (a lone surrogate from
  // the model, a cut one) or a write that failed is "not stored", with its reason.
  const notStored = `not stored${data.store_reason && !request.no_store ? `: ${data.store_reason}` : ""}`;
  if (data.outcome === "miss") {
    const label = cache.match.textContent.replace(/ → asking the LLM$/, "");
    return setMatch("miss", data.store === "stored" ? `${label} → stored` : `${label} → ${notStored}`);
  }
  if (data.outcome === "bypass") {
    return setMatch("bypass", data.store === "stored" ? "Lookup skipped → stored" : `Lookup skipped, ${notStored}`);
  }
}

/** The cache column's cost with what its lookup spent on models beside the chat model (the check, the rewrite):
 * the column's own cost is the chat model's alone, $0 on a hit the check paid for. The parts in its title. */
function addLookupCost(data, doc) {
  const calls = lookupCalls(doc);
  if (!calls.length) return;
  const total = calls.reduce((sum, [, usd]) => sum + usd, data.cost_usd ?? 0);
  cache.stat("cost", fmtUsd(total));
  const parts = [[data.outcome === "miss" ? "the LLM's answer" : "the answer", data.cost_usd ?? 0], ...calls];
  $("[data-stat=cost]", cache.root).title = parts.map(([label, usd]) => `${fmtUsd(usd)} ${label}`).join(" + ");
}

// --- "Wrong answer": feedback on the served entry (a negative for this question, or the entry retired) ---

function showFeedback(doc) {
  const button = $("#wrong-answer");
  button.hidden = !doc?.hit;
  button.disabled = false;
  text(button, "Wrong answer");
}

async function sendWrongAnswer() {
  const button = $("#wrong-answer");
  const doc = state.document;
  if (!doc?.doc_id) return;
  button.disabled = true;
  try {
    await fetchJSON("/cache/feedback", { body: { doc_id: doc.doc_id, prompt: state.prompt, verdict: "wrong" } });
    text(button, "Feedback recorded: not served for this question again");
    refreshMetrics();
  } catch (error) {
    button.disabled = false;
    text(button, `Wrong answer (not recorded: ${error?.message ?? error})`);
  }
}

function num(x, digits) {
  return isNum(x) ? x.toFixed(digits) : "—";
}

/** The model that answered a call beside the chat model (the name its provider gave, what it is priced as), else the
 * model configured (`verify.model`, `rewrite.model`: a call that failed or was skipped). */
function answeredBy(c) {
  return c.answered_by ?? c.model;
}

// A call to a model beside the chat model (the rewrite, the check): its time, tokens and price, or kept in Redis.
// A price of 0 for tokens spent is a model the price table does not know (economics/prices.py), not a free call.
function modelCall(c) {
  if (c.cached) return "kept in Redis, no call";
  const tokens = (c.prompt_tokens ?? 0) + (c.completion_tokens ?? 0);
  const price = tokens && !c.cost_usd ? "no price known for this model" : `$${num(c.cost_usd, 6)}`;
  return `${fmtMs(c.ms ?? 0)}, ${c.prompt_tokens ?? 0}+${c.completion_tokens ?? 0} tokens, ${price}`;
}

/** What the lookup spent on models beside the chat model (the rewrite, the check): [label, USD] each, none kept. */
function lookupCalls(doc) {
  const calls = [
    ["the standalone rewrite", doc?.rewrite],
    ["the model's check", doc?.verify],
  ];
  return calls.filter(([, c]) => c && !c.cached && c.cost_usd > 0).map(([label, c]) => [label, c.cost_usd]);
}

/** A reason without the name of what gave it when it starts with it ("verify: the model said no" by verify). */
function unprefixed(reason, by) {
  return (reason ?? "").startsWith(`${by}: `) ? reason.slice(by.length + 2) : reason ?? "";
}

function renderInspector(doc) {
  const inspector = $("#inspector");
  const rows = [
    ["Match", doc.match ?? (doc.degraded ? "degraded" : "miss")],
    ["Similarity", num(doc.similarity, 4)],
    ["Distance", num(doc.distance, 4)],
    ["Threshold", isNum(doc.threshold) ? `similarity ≥ ${num(doc.threshold, 2)} (distance ≤ ${num(1 - doc.threshold, 2)})` : "—"],
    ["Doc id", doc.doc_id ?? "—"],
    ["Scope", doc.scope_id ? `${doc.scope_id.slice(0, 16)}…` : "—"],
  ];
  if (isNum(doc.score)) {
    const weighed = (doc.top_features ?? []).map((f) => `${f.feature} ${f.effect >= 0 ? "+" : ""}${num(f.effect, 2)}`);
    rows.push(["Decision", `score ${num(doc.score, 3)} (needs ≥ ${num(doc.decision_threshold, 2)})${weighed.length ? ` · ${weighed.join(", ")}` : ""}`]);
  }
  if (doc.rejected_by) rows.push(["Rejected by", `${doc.rejected_by}: ${unprefixed(doc.rejection_reason, doc.rejected_by)}`]);
  if (doc.bound) rows.push(["Wrong-hit bound", `${doc.bound.action} — ${doc.bound.reason}`]);
  if (doc.reason) rows.push(["Reason", doc.reason]);
  if (doc.answer?.prompt) rows.push(["Cached prompt", doc.answer.prompt]);
  if (doc.rewrite) {
    const r = doc.rewrite;
    const refused = r.refused ? ` — not looked up: ${r.refused}` : "";
    const failed = r.skipped ? `not asked, its model kept failing (${r.skipped})` : `failed (${r.error})`;
    rows.push(["Standalone rewrite", r.error ? `${failed}: looked up without it` : [quoted(r.question), ` — ${answeredBy(r)}, ${modelCall(r)}${refused}`]]);
  }
  if (doc.verify) {
    // A conversation's semantic hit checked by a model (NEARHIT_VERIFY_MODEL): its verdict, or why it failed.
    const v = doc.verify;
    // A failed call reports no tokens (a garbled reply's are not kept): its time only.
    const failed = v.skipped ? `not asked, its model kept failing (${v.skipped})` : `failed (${v.error})`;
    const verdict = v.error ? `${failed}: the hit refused` : v.serves ? "said yes: served" : "said no: the hit refused";
    rows.push(["Model's check", `${verdict} — ${answeredBy(v)}, ${v.error ? fmtMs(v.ms ?? 0) : modelCall(v)}`]);
  }
  if (doc.context?.rewritten) {
    rows.push(["Matched as rewritten", [`similarity ${num(doc.context.similarity, 4)} — `, quoted(doc.context.rewritten)]]);
  } else if (doc.context?.told_as_one) {
    rows.push(["Matched as one question", [`similarity ${num(doc.context.similarity, 4)} — `, quoted(doc.context.told_as_one)]]);
  } else if (doc.context) {
    const earlier = doc.context.turns.map(([role, content], i) => [i ? " · " : "", `${role}: `, quoted(content)]);
    rows.push(["Matched context", [`${doc.context.turns.length} earlier turns, similarity ${num(doc.context.similarity, 4)} — `, earlier]]);
  }
  const timings = Object.entries(doc.timings_ms ?? {}).map(([k, v]) => `${k} ${fmtMs(v)}`).join(" · ");
  if (timings) rows.push(["Timings", timings]);

  const embedding = Array.isArray(doc.embedding)
    ? `[${doc.embedding.map((x) => x.toFixed(4)).join(", ")}, …]  (${doc.embedding_dimension ?? "?"} dims)`
    : "not computed (an exact match needs no embedding)";

  const candidates = (doc.candidates ?? []).map((c) =>
    h(
      "li",
      {},
      h("span", { class: `cand cand-${c.outcome}` }, c.guard === VERIFY ? "refused by the model's check" : c.outcome.replaceAll("_", " ")),
      // Served under the threshold: which margin reached it (the quiet band, a conversation's, the decision's).
      ` ${num(c.similarity, 3)}${c.margin ? ` (under the threshold: ${MARGINS[c.margin] ?? c.margin})` : ""} — `,
      quoted(c.prompt),
      // Why a refused one was: a farther one past a refused nearer one is named so, not as its own guard's veto;
      // why one not needed was not judged (a conversation's far row past a hit: its turns not compared).
      (c.outcome.startsWith("rejected_by") || c.outcome === "not_needed" || c.outcome === "below_threshold") && c.reason ? ` · ${c.guard === VERIFY ? unprefixed(c.reason, VERIFY) : c.reason}` : "",
    ),
  );

  put(
    inspector,
    h("h3", {}, "Why this answer"),
    h("dl", { class: "kv" }, rows.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v)))),
    h("h4", {}, "Embedding"),
    h("code", { class: "embedding" }, embedding),
    candidates.length ? [h("h4", {}, "Nearest candidates"), h("ul", { class: "candidates" }, candidates)] : null,
    h("h4", {}, "Redis query"),
    h("pre", { class: "json" }, doc.query ? JSON.stringify(doc.query, null, 2) : "none (answered by the exact-match GET)"),
  );
}

function setupInspector() {
  const wrap = $("#cache-answer-wrap");
  const inspector = $("#inspector");
  const show = () => {
    if (state.hover && state.document) inspector.hidden = false;
  };
  const hide = () => {
    inspector.hidden = true;
  };
  wrap.addEventListener("mouseenter", show);
  wrap.addEventListener("mouseleave", () => {
    if (!wrap.contains(document.activeElement)) hide();
  });
  cache.answer.addEventListener("focus", show);
  cache.answer.addEventListener("blur", hide);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") hide();
  });

  const toggle = $("#hover-toggle");
  const render = () => {
    toggle.setAttribute("aria-checked", String(state.hover));
    text("hover-label", `Hover: ${state.hover ? "On" : "Off"}`);
    if (!state.hover) hide();
  };
  toggle.addEventListener("click", () => {
    state.hover = !state.hover;
    localStorage.setItem(HOVER_KEY, state.hover ? "on" : "off");
    render();
  });
  render();
}

// --- Asking ------------------------------------------------------------------------------------------

function currentRequest(prompt) {
  const body = { prompt };
  const tenant = $("#tenant").value.trim();
  if (tenant) body.tenant = tenant; // empty: the key's tenant (secured), else the server's default
  const system = $("#system-prompt").value;
  if (system.trim()) body.system_prompt = system;
  if (state.conversationId) body.conversation_id = state.conversationId;
  if (state.conversationId && state.turns.length) body.history = turnsThatFit(state.turns.slice(-TURNS_SENT));
  const threshold = $("#threshold").value.trim();
  if (threshold !== "") body.threshold = Number(threshold);
  body.include_raw = $("#include-raw").checked;
  if ($("#no-cache").checked) body.no_cache = true;
  if ($("#no-store").checked) body.no_store = true;
  return body;
}

/** The newest turns within the server's limit on a history's characters (long answers would otherwise have every
 * later question refused with a 413): older turns dropped, the oldest one kept cut to the room left. */
function turnsThatFit(turns) {
  let room = state.config?.max_history_chars ?? Infinity;
  const kept = [];
  for (const turn of [...turns].reverse()) {
    if (room <= 0) break;
    const content = cut(turn.content, room);
    if (content) kept.unshift({ ...turn, content });
    room -= turn.content.length;
  }
  return kept;
}

/** The first `length` UTF-16 units of `text`, never half a surrogate pair (the server refuses a lone one). */
function cut(text, length) {
  if (text.length <= length) return text;
  const code = text.charCodeAt(length - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? length - 1 : length);
}

async function ask(prompt) {
  prompt = prompt.trim();
  if (!prompt) return;
  state.controller?.abort();
  const controller = new AbortController();
  state.controller = controller;
  const request = currentRequest(prompt);
  state.document = null;
  state.prompt = prompt;
  showFeedback(null);
  $("#inspector").hidden = true;
  cache.reset("Looking up");
  if (request.include_raw) raw.reset("Waiting for the LLM");
  else raw.skip("The raw column is off (Cache options).");
  setMatch("pending", "Looking up…");
  setBusy(true);

  const entry = { prompt, outcome: "pending", at: Date.now(), tenant: request.tenant };
  addHistory(entry);
  let rank = 0;

  const onEvent = ({ event, data }) => {
    if (state.controller !== controller) return;
    const column = columns[data?.column];
    if (event === "content_chunk" && column) column.append(data.content ?? "");
    else if (event === "cache_document") {
      state.document = data;
      matchFromDocument(data);
      showFeedback(data);
      renderInspector(data);
      if (!cache.answer.textContent) cache.setStatus("waiting", data.hit ? "Replaying" : "Waiting for the LLM");
    } else if (event === "column_complete" && column) {
      rank += 1;
      column.finish(data, rank);
      if (column === cache) {
        matchOnComplete(data, request);
        addLookupCost(data, state.document);
        if (state.conversationId === request.conversation_id && data.status === "done") {
          rememberTurn(prompt, cache.answer.textContent);
        }
        entry.outcome = data.status === "error" ? "error" : data.status === "degraded" ? "degraded" : data.outcome;
        entry.similarity = data.similarity;
        entry.ms = data.total_ms;
        renderHistory();
      }
    }
  };

  // A newer question aborts this one: then its columns belong to the newer one and are left alone.
  const current = () => state.controller === controller;
  try {
    await postSSE("/ask/stream", request, { onEvent, signal: controller.signal });
    for (const column of Object.values(columns)) column.abandon("The stream ended before this column finished.");
  } catch (error) {
    if (error?.name === "AbortError") {
      if (current()) for (const column of Object.values(columns)) column.abandon("Stopped.");
      entry.outcome = entry.outcome === "pending" ? "stopped" : entry.outcome;
    } else if (!current()) {
      entry.outcome = entry.outcome === "pending" ? "error" : entry.outcome;
    } else {
      const message = error instanceof HttpError ? error.message : `Could not reach the server (${error?.message ?? error}). Is \`nearhit serve\` still running?`;
      for (const column of Object.values(columns)) column.abandon(message);
      if (cache.match.dataset.kind === "pending") setMatch("error", "Error — see below");
      entry.outcome = entry.outcome === "pending" ? "error" : entry.outcome;
    }
  } finally {
    if (state.controller === controller) {
      state.controller = null;
      setBusy(false);
    }
    renderHistory();
    refreshMetrics();
  }
}

function setBusy(busy) {
  $("#stop").hidden = !busy;
  $("#send").textContent = busy ? "Ask again" : "Ask";
  document.body.dataset.busy = String(busy);
}

// --- History -----------------------------------------------------------------------------------------

function loadHistory() {
  try {
    const items = JSON.parse(sessionStorage.getItem(HISTORY_KEY) ?? "[]");
    return Array.isArray(items) ? items.filter((x) => typeof x?.prompt === "string") : [];
  } catch {
    return [];
  }
}

function addHistory(entry) {
  state.history.unshift(entry);
  state.history.length = Math.min(state.history.length, HISTORY_MAX);
  renderHistory();
}

const OUTCOME_LABELS = {
  exact: "exact",
  semantic: "semantic",
  miss: "miss",
  bypass: "bypass",
  degraded: "degraded",
  error: "error",
  pending: "…",
  stopped: "stopped",
};

/** Keep the history for the tab's life. Its storage holds about 5 M characters: long questions (under a raised
 * NEARHIT_MAX_PROMPT_CHARS) can fill it, and then the oldest are not kept (the page still lists them). */
function saveHistory() {
  for (let kept = state.history.length; kept >= 0; kept -= 1) {
    try {
      sessionStorage.setItem(HISTORY_KEY, JSON.stringify(state.history.slice(0, kept)));
      return;
    } catch {
      /* over the quota: keep fewer */
    }
  }
}

function renderHistory() {
  saveHistory();
  const list = $("#history");
  put(
    list,
    state.history.map((item) =>
      h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: "history-item",
            title: "Ask this again",
            "aria-label": `Ask again: ${item.prompt} (${OUTCOME_LABELS[item.outcome] ?? item.outcome})`,
            onclick: () => {
              $("#prompt").value = item.prompt;
              ask(item.prompt);
            },
          },
          h("span", { class: "history-prompt" }, item.prompt),
          h(
            "span",
            { class: "history-meta" },
            h("span", { class: `outcome outcome-${item.outcome}` }, OUTCOME_LABELS[item.outcome] ?? item.outcome),
            item.outcome === "semantic" && isNum(item.similarity) ? ` ${item.similarity.toFixed(3)}` : "",
            isNum(item.ms) ? ` · ${fmtMs(item.ms)}` : "",
            item.tenant && item.tenant !== "default" ? [" · ", quoted(item.tenant)] : "",
          ),
        ),
      ),
    ),
  );
  $("#history-empty").hidden = state.history.length > 0;
}

// --- Scope ---------------------------------------------------------------------------------------------

function newConversationId() {
  const random = crypto.randomUUID?.() ?? `${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`;
  return `conv-${random.slice(0, 8)}`;
}

function rememberTurn(prompt, answer) {
  if (!answer) return;
  // A model's answer can hold a lone surrogate (half an emoji): sent back as it is, the server refuses the
  // history, and every later question of the conversation with it. U+FFFD in its place, as a decoder would.
  state.turns.push({ role: "user", content: prompt }, { role: "assistant", content: answer.toWellFormed() });
  renderTurns();
}

function renderTurns() {
  const count = state.turns.length;
  $("#conversation-turns").dataset.count = String(count);
  text("conversation-turns", count ? `${count} earlier turns go with the next question.` : "");
  // Only a conversation of its own (not the shared one) has turns to drop and a scope to keep.
  $("#restart-conversation").hidden = !(state.conversationId && count);
}

function setupScope() {
  $("#new-conversation").addEventListener("click", () => {
    state.conversationId = newConversationId();
    state.turns = [];
    renderTurns();
    text("conversation-id", state.conversationId);
    $("#conversation-id").dataset.id = state.conversationId;
    text("conversation-note", "New conversation: only its own answers are reused; its earlier turns go with each question.");
  });
  // The same conversation (its scope, its stored answers), no earlier turns: told again in other words, its
  // follow-ups can be served from the first telling, which a new conversation (a scope of its own) never is.
  $("#restart-conversation").addEventListener("click", () => {
    state.turns = [];
    renderTurns();
    text("conversation-note", "Started over in the same conversation: tell it again, in other words too, and its stored answers can be reused.");
  });
  $("#clear-history").addEventListener("click", () => {
    state.history = [];
    renderHistory();
  });
}

// --- Start -------------------------------------------------------------------------------------------

function setupComposer() {
  const form = $("#ask-form");
  const prompt = $("#prompt");
  prompt.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ask(prompt.value);
  });
  $("#stop").addEventListener("click", () => state.controller?.abort());
}

async function main() {
  renderHeader();
  setupComposer();
  setupScope();
  setupInspector();
  $("#wrong-answer").addEventListener("click", sendWrongAnswer);
  renderHistory();
  startMetrics();
  state.config = await loadConfig();
  if (state.config?.secured && $("#tenant").value === "default") {
    $("#tenant").value = ""; // a key acts for its own tenant: another one would be refused
    $("#tenant").placeholder = "your key's tenant";
  }
  if (state.config) {
    $("#scope-model").value = state.config.model;
    $("#threshold").placeholder = `server default: ${state.config.threshold}`;
    text("threshold-note", `Empty: the server's default (${state.config.threshold}).`);
  } else {
    $("#scope-model").value = "unknown";
  }
  document.body.dataset.ready = "true";
}

function llmErrorText(message, status) {
  const detail = message ? ` (${message})` : "";
  if (status === 401 || status === 403) return `The model provider refused the credentials — check OPENAI_API_KEY or AZURE_OPENAI_API_KEY${detail}.`;
  if (status === 404) return `The model or deployment was not found — check NEARHIT_MODEL / the Azure deployment name${detail}.`;
  if (status === 429) return `The model provider is rate-limiting requests; try again in a moment${detail}.`;
  if (isNum(status) && status >= 500) return `The model provider had a server error${detail}.`;
  if (/timed? ?out/i.test(message ?? "")) return `The model took too long to answer${detail}.`;
  return `The model could not answer${detail}.`;
}

main();
