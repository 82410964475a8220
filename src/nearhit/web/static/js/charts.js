// Small SVG charts, built with createElementNS (no innerHTML, no library).
import { s, isNum } from "./dom.js";

/** A sparkline of `values` (numbers) filling width×height, with a soft area under the line. */
export function sparkline(values, { width = 220, height = 44, label = "" } = {}) {
  const svg = s("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: "spark",
    role: "img",
    "aria-label": label,
    preserveAspectRatio: "none",
  });
  const pts = values.filter(isNum);
  if (pts.length < 2) {
    svg.append(s("line", { x1: 0, x2: width, y1: height - 1, y2: height - 1, class: "spark-base" }));
    return svg;
  }
  const min = Math.min(...pts);
  const max = Math.max(...pts);
  const span = max - min || 1;
  const step = width / (pts.length - 1);
  const xy = pts.map((v, i) => [i * step, height - 3 - ((v - min) / span) * (height - 8)]);
  const line = xy.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`).join(" ");
  svg.append(
    s("path", { d: `${line} L${width},${height} L0,${height} Z`, class: "spark-area" }),
    s("path", { d: line, class: "spark-line" }),
    s("circle", { cx: xy.at(-1)[0] - 2, cy: xy.at(-1)[1], r: 2.5, class: "spark-dot" }),
  );
  return svg;
}

/** One horizontal bar split into segments [{value, cls, label}], values summing to ≤ 1. */
export function stackedBar(segments, { width = 220, height = 12, label = "" } = {}) {
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "stack", role: "img", "aria-label": label });
  svg.append(s("rect", { x: 0, y: 0, width, height, rx: height / 2, class: "stack-bg" }));
  const clip = `clip-${Math.random().toString(36).slice(2)}`;
  svg.append(s("clipPath", { id: clip }, s("rect", { x: 0, y: 0, width, height, rx: height / 2 })));
  const group = s("g", { "clip-path": `url(#${clip})` });
  let x = 0;
  for (const seg of segments) {
    const w = Math.max(0, Math.min(1, seg.value)) * width;
    if (w > 0) group.append(s("rect", { x, y: 0, width: w, height, class: seg.cls }, s("title", {}, seg.label)));
    x += w;
  }
  svg.append(group);
  return svg;
}

/**
 * Grouped horizontal bars: rows [{name, cls, p50, p95}] on one shared linear scale (ms). The p95 bar is
 * drawn faint behind the p50 bar, with both values written at the end.
 */
export function latencyBars(rows, { width = 520, rowHeight = 30, fmt = String } = {}) {
  const labelW = 64;
  const valueW = 130;
  const plotW = width - labelW - valueW;
  const height = rows.length * rowHeight + 6;
  const max = Math.max(1, ...rows.flatMap((r) => [r.p50, r.p95].filter(isNum)));
  const svg = s("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: "bars",
    role: "img",
    "aria-label": rows.map((r) => `${r.name}: p50 ${fmt(r.p50)}, p95 ${fmt(r.p95)}`).join("; "),
  });
  rows.forEach((row, i) => {
    const y = 4 + i * rowHeight;
    const bh = rowHeight - 12;
    const w50 = isNum(row.p50) ? Math.max(2, (row.p50 / max) * plotW) : 0;
    const w95 = isNum(row.p95) ? Math.max(2, (row.p95 / max) * plotW) : 0;
    svg.append(
      s("text", { x: 0, y: y + bh / 2 + 4, class: "bar-label" }, row.name),
      s("rect", { x: labelW, y, width: plotW, height: bh, rx: 4, class: "bar-bg" }),
      s("rect", { x: labelW, y, width: w95, height: bh, rx: 4, class: `bar-p95 ${row.cls}` }),
      s("rect", { x: labelW, y, width: w50, height: bh, rx: 4, class: `bar-p50 ${row.cls}` }),
      s("text", { x: labelW + plotW + 8, y: y + bh / 2 + 4, class: "bar-value" }, `${fmt(row.p50)} / ${fmt(row.p95)}`),
    );
  });
  return svg;
}

/** "Nice" tick values covering [lo, hi]. */
export function ticks(lo, hi, count = 5) {
  if (lo === hi) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((m) => raw <= m) ?? 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/**
 * A line chart with axes. `points` [{x, y}] sorted by x; `markers` [{x, y?, label, cls}] are drawn as a
 * vertical guide (and a dot when y is given). `xFmt`/`yFmt` format tick labels.
 */
export function lineChart(points, { width = 640, height = 300, markers = [], xFmt = String, yFmt = String, label = "", xTitle = "", yTitle = "" } = {}) {
  const m = { top: 18, right: 22, bottom: 44, left: 74 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y).concat(markers.map((k) => k.y).filter(isNum), [0]);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  let y0 = Math.min(...ys);
  let y1 = Math.max(...ys);
  if (y0 === y1) {
    y0 -= 1;
    y1 += 1;
  }
  const pad = (y1 - y0) * 0.06;
  y0 -= pad;
  y1 += pad;
  const X = (v) => m.left + ((v - x0) / (x1 - x0 || 1)) * pw;
  const Y = (v) => m.top + (1 - (v - y0) / (y1 - y0)) * ph;

  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "line-chart", role: "img", "aria-label": label });
  const grid = s("g", { class: "grid" });
  for (const t of ticks(y0, y1, 5)) {
    grid.append(
      s("line", { x1: m.left, x2: m.left + pw, y1: Y(t), y2: Y(t), class: t === 0 ? "zero" : "" }),
      s("text", { x: m.left - 8, y: Y(t) + 4, class: "tick tick-y" }, yFmt(t)),
    );
  }
  for (const t of ticks(x0, x1, 10)) {
    grid.append(
      s("line", { x1: X(t), x2: X(t), y1: m.top + ph, y2: m.top + ph + 5, class: "tick-mark" }),
      s("text", { x: X(t), y: m.top + ph + 18, class: "tick tick-x" }, xFmt(t)),
    );
  }
  svg.append(grid);
  svg.append(
    s("line", { x1: m.left, x2: m.left + pw, y1: m.top + ph, y2: m.top + ph, class: "axis" }),
    s("line", { x1: m.left, x2: m.left, y1: m.top, y2: m.top + ph, class: "axis" }),
  );
  if (xTitle) svg.append(s("text", { x: m.left + pw / 2, y: height - 6, class: "axis-title" }, xTitle));
  if (yTitle) {
    svg.append(s("text", { x: 14, y: m.top + ph / 2, class: "axis-title", transform: `rotate(-90 14 ${m.top + ph / 2})` }, yTitle));
  }

  // Positive area green, negative red: clip the area at the zero line.
  const line = points.map((p, i) => `${i ? "L" : "M"}${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join(" ");
  const zeroY = Math.min(Math.max(Y(0), m.top), m.top + ph);
  const area = `${line} L${X(x1).toFixed(1)},${zeroY} L${X(x0).toFixed(1)},${zeroY} Z`;
  const id = Math.random().toString(36).slice(2);
  svg.append(
    s("clipPath", { id: `above-${id}` }, s("rect", { x: m.left, y: m.top, width: pw, height: Math.max(0, zeroY - m.top) })),
    s("clipPath", { id: `below-${id}` }, s("rect", { x: m.left, y: zeroY, width: pw, height: Math.max(0, m.top + ph - zeroY) })),
    s("path", { d: area, class: "area-pos", "clip-path": `url(#above-${id})` }),
    s("path", { d: area, class: "area-neg", "clip-path": `url(#below-${id})` }),
    s("path", { d: line, class: "series" }),
  );

  for (const mk of markers) {
    if (!isNum(mk.x) || mk.x < x0 || mk.x > x1) continue;
    const g = s("g", { class: `marker ${mk.cls ?? ""}`, "data-marker": mk.id ?? "" });
    const x = X(mk.x);
    g.append(s("line", { x1: x, x2: x, y1: m.top, y2: m.top + ph, class: "marker-line" }));
    if (isNum(mk.y)) g.append(s("circle", { cx: x, cy: Y(mk.y), r: 5.5, class: "marker-dot" }));
    const anchor = x > m.left + pw * 0.75 ? "end" : "start";
    const tx = anchor === "end" ? x - 6 : x + 6;
    const ty = m.top + 12 + (mk.row ?? 0) * 16;
    g.append(s("text", { x: tx, y: ty, "text-anchor": anchor, class: "marker-label" }, mk.label));
    svg.append(g);
  }
  return svg;
}
