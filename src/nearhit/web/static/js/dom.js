// DOM helpers. Every piece of text goes in with textContent (via text nodes): never innerHTML, so a
// cached answer containing markup is shown as text and never run.

const SVG_NS = "http://www.w3.org/2000/svg";

/** h("div", {class: "x", onclick: fn}, "text", child, ...): an element; strings become text nodes, arrays (nested
 * too) their items. */
export function h(tag, attrs = {}, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** The same for SVG elements. */
export function s(tag, attrs = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function build(node, attrs, children) {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Text someone else wrote (a prompt, an answer, a tenant), set inline among the page's own words: in a <bdi>,
 * so its direction controls (an unclosed U+202E RIGHT-TO-LEFT OVERRIDE) and its right-to-left letters stay
 * inside it instead of reversing the words after it. */
export function quoted(value) {
  return h("bdi", {}, value);
}

/** Replace a node's children. */
export function put(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** Set a node's text (textContent), by element or id. */
export function text(target, value) {
  const node = typeof target === "string" ? document.getElementById(target) : target;
  if (node) node.textContent = value ?? "";
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

// --- Number formats ------------------------------------------------------------------------------

const nf = (opts) => new Intl.NumberFormat("en-US", opts);
const INT = nf({ maximumFractionDigits: 0 });
const USD0 = nf({ style: "currency", currency: "USD", maximumFractionDigits: 0 });
const USD2 = nf({ style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
const COMPACT = nf({ notation: "compact", maximumFractionDigits: 1 });

export const isNum = (x) => typeof x === "number" && Number.isFinite(x);

export function fmtInt(x) {
  return isNum(x) ? INT.format(x) : "—";
}

/** Dollars: whole for big sums, cents for small ones, significant digits for fractions of a cent. */
export function fmtUsd(x) {
  if (!isNum(x)) return "—";
  const abs = Math.abs(x);
  if (abs === 0) return "$0";
  if (abs >= 1000) return USD0.format(x);
  if (abs >= 0.01) return USD2.format(x);
  return `${x < 0 ? "-" : ""}$${abs.toPrecision(2)}`;
}

export function fmtUsdCompact(x) {
  if (!isNum(x)) return "—";
  if (Math.abs(x) < 10_000) return fmtUsd(x);
  return `${x < 0 ? "-" : ""}$${COMPACT.format(Math.abs(x))}`;
}

export function fmtMs(x) {
  if (!isNum(x)) return "—";
  if (x >= 10_000) return `${(x / 1000).toFixed(1)} s`;
  if (x >= 1000) return `${(x / 1000).toFixed(2)} s`;
  if (x >= 100) return `${Math.round(x)} ms`;
  if (x >= 10) return `${x.toFixed(1)} ms`;
  return `${x.toFixed(2)} ms`;
}

/** A fraction (0-1) as a percentage. */
export function fmtPct(x, digits = 1) {
  return isNum(x) ? `${(x * 100).toFixed(digits)}%` : "—";
}

export function fmtBytes(x) {
  if (!isNum(x)) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = x;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : value >= 100 ? 0 : 1)} ${units[unit]}`;
}

/** Call `fn` once `ms` after the last call. */
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
