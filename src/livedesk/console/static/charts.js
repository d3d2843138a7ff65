// Charts drawn by the page (no library, no CDN): a grouped bar chart as SVG, named for assistive
// technology (role="img" with its <title> and <desc>), each bar with a tooltip (its own
// <title>), and beside it the same figures as a <table> with a caption, the chart's fallback.
// Colours and sizes come from console.css through classes (the Content-Security-Policy allows
// no style attribute); only SVG geometry attributes are set here.
import { el, uniqueId } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 640;
const HEIGHT = 240;
const PAD = { top: 14, right: 10, bottom: 28, left: 62 };

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A round top for the axis: the smallest step from `steps` that gives at most `ticks` ticks. */
export function scaleTop(max, steps, ticks = 4) {
  if (!(max > 0)) return { top: steps[0] * ticks, step: steps[0] };
  const step = steps.find((s) => s * ticks >= max) ?? steps[steps.length - 1];
  return { top: Math.max(step, Math.ceil(max / step) * step), step };
}

/** Steps for an axis in seconds (1 s … 1 h) and for counts (1, 2, 5, 10…). */
export const SECOND_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800];
export const COUNT_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];

/**
 * A grouped bar chart and its table.
 *   title: the chart's name (also the table's caption)
 *   description: one sentence on what is drawn
 *   categories: [{key, label, short}] along the x axis (short: the axis label, "" to skip it)
 *   series: [{name, className, values: [number | null]}] one value per category
 *   format(value): the value as people read it; axisFormat(value): the axis' tick labels
 *   steps: the axis' possible steps (SECOND_STEPS, COUNT_STEPS)
 *   header: the table's first column header ("Hour", "Day")
 *   rowsWithData: in the table, only the categories with at least one value (default true)
 * Answers {element, table}: the figure (legend and SVG) and the <table>.
 */
export function barChart({ title, description, categories, series, format, axisFormat = format,
  steps = COUNT_STEPS, header, rowsWithData = true }) {
  const titleId = uniqueId("chart-title");
  const descId = uniqueId("chart-desc");
  const max = Math.max(0, ...series.flatMap((s) => s.values.filter((v) => v !== null && v !== undefined)));
  const { top, step } = scaleTop(max, steps);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const y = (value) => PAD.top + plotH - (value / top) * plotH;
  const band = plotW / Math.max(1, categories.length);
  const gap = Math.min(6, band * 0.2);
  const barW = Math.max(1, (band - gap) / Math.max(1, series.length));

  const grid = [];
  for (let tick = 0; tick <= top + 1e-9; tick += step) {
    const at = y(tick);
    grid.push(svg("line", { class: tick === 0 ? "axis" : "grid", x1: PAD.left, x2: WIDTH - PAD.right, y1: at, y2: at }));
    grid.push(svg("text", { class: "tick", x: PAD.left - 6, y: at + 4, "text-anchor": "end" }, axisFormat(tick)));
  }
  const bars = [];
  const labels = [];
  categories.forEach((category, i) => {
    const x0 = PAD.left + i * band + gap / 2;
    series.forEach((s, j) => {
      const value = s.values[i];
      if (value === null || value === undefined) return;
      const h = Math.max(value > 0 ? 1.5 : 0, plotH - (y(value) - PAD.top));
      bars.push(svg("rect", { class: `bar ${s.className}`, x: x0 + j * barW, y: PAD.top + plotH - h,
        width: Math.max(1, barW - 1), height: h },
      svg("title", {}, `${category.label}: ${s.name} ${format(value)}`)));
    });
    if (category.short) {
      labels.push(svg("text", { class: "tick", x: PAD.left + i * band + band / 2, y: HEIGHT - PAD.bottom + 16,
        "text-anchor": "middle" }, category.short));
    }
  });
  const drawn = series.some((s) => s.values.some((v) => v !== null && v !== undefined));
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img",
    "aria-labelledby": `${titleId} ${descId}`, preserveAspectRatio: "xMidYMid meet" },
  svg("title", { id: titleId }, title),
  svg("desc", { id: descId }, drawn ? description : `${description} Nothing to draw for this period.`),
  grid, bars, labels);

  const legend = el("ul", { class: "legend", "aria-hidden": "true" },
    series.map((s) => el("li", {}, el("span", { class: `swatch ${s.className}` }), s.name)));
  const element = el("figure", { class: "chart-figure" }, legend, chart,
    drawn ? null : el("p", { class: "quiet chart-empty" }, "No sessions in this period."));
  return { element, table: chartTable({ title, categories, series, format, header, rowsWithData }) };
}

/** The chart's figures as a table: a row per category, a column per series. */
export function chartTable({ title, categories, series, format, header, rowsWithData = true }) {
  const rows = categories
    .map((category, i) => ({ category, values: series.map((s) => s.values[i]) }))
    .filter((row) => !rowsWithData || row.values.some((v) => v !== null && v !== undefined));
  return el("table", { class: "figures" },
    el("caption", { class: "visually-hidden" }, title),
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, header),
      series.map((s) => el("th", { scope: "col" }, s.name)))),
    el("tbody", {}, rows.length ? rows.map((row) => el("tr", {},
      el("th", { scope: "row" }, row.category.label),
      row.values.map((v) => el("td", { class: "number" }, v === null || v === undefined ? "—" : format(v)))))
      : el("tr", {}, el("td", { colspan: String(series.length + 1), class: "quiet" }, "No sessions in this period."))));
}
