// The reports dashboard (supervisors and admins): a period's key figures against the period of
// the same length just before it ("yesterday" when today is shown), wait and first response and
// sessions by hour (by day over several days) as charts with their tables, service level and
// CSAT per queue, and the agents' occupancy. Every number is the reports API's own
// (GET /api/v1/reports/summary and /agents; docs/reports.md defines them), only formatted:
// one rule everywhere, `decimal` below. Days are the org's (the answers' timeZone). While the
// period takes in today, it is read again after the supervisor stream tells a change (at most
// every 2 s) and every minute.
import { api } from "./api.js";
import { serverNow } from "./clock.js";
import { el, field, uniqueId } from "./dom.js";
import { COUNT_STEPS, SECOND_STEPS, barChart } from "./charts.js";
import { EventStream } from "./stream.js";

const CHANGE_DELAY_MS = 2000; // a burst of changes is read once
const REFRESH_MS = 60000;
const DAY_MS = 86400000;
const LIVE_EVENTS = new Set(["SessionChanged", "QueueChanged", "AgentPresenceChanged", "AgentLoadChanged"]);

// ---- numbers as people read them: one rule ---------------------------------------------------

/** One decimal at most, rounded half up on the exact value (Number#toFixed), ".0" left out:
 *  12.25 → "12.3", 12.04 → "12", 66.666… → "66.7". */
export function decimal(value) {
  const text = value.toFixed(1);
  return text.endsWith(".0") ? text.slice(0, -2) : text;
}

/** Seconds as "12.5 s", "1 min 5 s", "2 h 3 min 4.5 s" (rounded to a tenth first). */
export function seconds(value) {
  const tenths = Math.round(Number(value.toFixed(1)) * 10);
  const h = Math.floor(tenths / 36000);
  const min = Math.floor((tenths % 36000) / 600);
  const s = (tenths % 600) / 10;
  const parts = [];
  if (h) parts.push(`${h} h`);
  if (min) parts.push(`${min} min`);
  if (s || !parts.length) parts.push(`${decimal(s)} s`);
  return parts.join(" ");
}

export function percent(value) {
  return `${decimal(value)} %`;
}

function count(value) {
  return value.toLocaleString("en-GB");
}

const NONE = "—";
const or = (value, format) => (value === null || value === undefined ? NONE : format(value));

// ---- days in the org's time zone (dates as "2026-11-25") -------------------------------------

/** The date of an instant (ms) in a time zone. */
export function dateIn(ms, timeZone) {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(new Date(ms));
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

function dayNumber(date) {
  const [y, m, d] = date.split("-").map(Number);
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

function dateOf(number) {
  return new Date(number * DAY_MS).toISOString().slice(0, 10);
}

function addDays(date, days) {
  return dateOf(dayNumber(date) + days);
}

/** "Tuesday 24 November 2026", "Tue 24 Nov": the parts asked for, in order, spaced. */
function dayText(date, options) {
  return new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", ...options })
    .formatToParts(new Date(dayNumber(date) * DAY_MS))
    .filter((part) => part.type !== "literal").map((part) => part.value).join(" ");
}

const LONG = { weekday: "long", day: "numeric", month: "long", year: "numeric" };
const SHORT = { weekday: "short", day: "numeric", month: "short" };

function timeIn(ms, timeZone) {
  return new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" })
    .format(new Date(ms));
}

// ---- the figures compared ----------------------------------------------------------------------

const figure = (name) => (s) => s.total.figures[name]?.average ?? null;
const signed = (text, delta) => (delta > 0 ? `+${text}` : `−${text}`);

/** better: 1 when more is better, -1 when less is, 0 when neither. */
const KPIS = [
  { name: "Sessions", value: (s) => s.total.sessions, text: count, better: 0,
    delta: (d) => signed(count(Math.abs(d)), d),
    detail: (s) => (s.total.notRouted ? `${count(s.total.notRouted)} not routed` : "") },
  { name: "Abandoned", value: (s) => s.total.abandoned, text: count, better: -1,
    delta: (d) => signed(count(Math.abs(d)), d),
    detail: (s) => (s.total.sessions ? `${percent(100 * s.total.abandoned / s.total.sessions)} of sessions` : "") },
  { name: "Average wait", value: figure("wait"), text: seconds, better: -1,
    delta: (d) => signed(seconds(Math.abs(d)), d),
    detail: (s) => medianText(s.total.figures.wait) },
  { name: "Average first response", value: figure("first_response"), text: seconds, better: -1,
    delta: (d) => signed(seconds(Math.abs(d)), d),
    detail: (s) => medianText(s.total.figures.first_response) },
  { name: "Service level", value: (s) => s.total.serviceLevel.percent, text: percent, better: 1,
    delta: (d) => signed(`${decimal(Math.abs(d))} pts`, d),
    detail: (s) => `${count(s.total.serviceLevel.met)} of ${count(s.total.serviceLevel.counted)} within target` },
  { name: "CSAT", value: figure("csat"), text: decimal, better: 1,
    delta: (d) => signed(decimal(Math.abs(d)), d),
    detail: (s) => {
      const n = s.total.figures.csat?.count ?? 0;
      return `out of 5, ${count(n)} ${n === 1 ? "answer" : "answers"}`;
    } },
];

function medianText(f) {
  return f && f.median !== null ? `median ${seconds(f.median)}` : "";
}

// ---- the view ------------------------------------------------------------------------------------

export class Dashboard {
  /** root: the view's <main> (#reports) */
  constructor({ root }) {
    this.root = root;
    this.range = null; // {from, to} dates, both included
    this.timeZone = null;
    this.shown = false;
    this.seq = 0;
    this.stream = null;
    this.timer = null;
    this.pending = null;

    this.from = el("input", { type: "date", required: true });
    this.to = el("input", { type: "date", required: true });
    const shortcut = (label, days) => {
      const button = el("button", { type: "button", class: "small" }, label);
      button.addEventListener("click", () => this.pickLast(days));
      return button;
    };
    const refresh = el("button", { type: "button", class: "small" }, "Refresh");
    refresh.addEventListener("click", () => this.load());
    this.csv = el("button", { type: "button", class: "small", title: "Every session of the period, with its figures" },
      "Download CSV");
    this.csv.addEventListener("click", () => this.download());
    const form = el("form", { class: "range", "aria-label": "Period" },
      field("From", this.from), field("To", this.to),
      el("div", { class: "shortcuts" }, shortcut("Today", 1), shortcut("Yesterday", -1), shortcut("Last 7 days", 7)));
    form.addEventListener("submit", (event) => { event.preventDefault(); this.picked(); });
    this.from.addEventListener("change", () => this.picked());
    this.to.addEventListener("change", () => this.picked());

    this.live = el("span", { class: "live", hidden: true }, "Live");
    this.updatedText = el("span", {});
    this.updated = el("p", { class: "reason updated" }, this.live, this.updatedText);
    this.error = el("p", { class: "error", role: "alert" });
    this.period = el("p", { class: "period" });
    this.kpis = el("div", { class: "kpis" });
    this.responseChart = el("div", { class: "chart-box" });
    this.volumeChart = el("div", { class: "chart-box" });
    this.levelBody = el("tbody");
    this.csatValue = el("p", { class: "big" });
    this.csatDetail = el("p", { class: "reason" });
    this.csatBody = el("tbody");
    this.agentBody = el("tbody");
    this.responseTitle = el("h3", { id: uniqueId("response-title") });
    this.volumeTitle = el("h3", { id: uniqueId("volume-title") });
    this.content = el("div", { class: "reports-body" });

    const section = (title, ...children) => {
      const id = uniqueId("reports-section");
      const heading = typeof title === "string" ? el("h3", { id }, title) : title;
      return el("section", { class: "panel", "aria-labelledby": heading.id }, heading, ...children);
    };
    const head = (...names) => el("thead", {}, el("tr", {}, names.map((n) => el("th", { scope: "col" }, n))));
    const table = (caption, columns, body) => el("table", { class: "figures" },
      el("caption", { class: "visually-hidden" }, caption), head(...columns), body);

    this.content.append(
      section("Key figures", this.period, this.kpis),
      el("div", { class: "reports-grid" },
        el("div", { class: "reports-column" },
          section(this.responseTitle, this.responseChart),
          section(this.volumeTitle, this.volumeChart)),
        el("div", { class: "reports-column" },
          section("Service level per queue",
            table("Service level per queue", ["Queue", "Service level", "Target", "Within target"], this.levelBody)),
          section("Customer satisfaction", this.csatValue, this.csatDetail,
            table("Customer satisfaction per queue", ["Queue", "Average rating", "Answers"], this.csatBody)))),
      section("Agents",
        table("Agents", ["Agent", "Sessions handled", "Time Online", "Time handling", "Occupancy"], this.agentBody)));
    root.replaceChildren(
      el("div", { class: "reports-head" },
        el("h2", { id: "reports-title" }, "Reports"),
        form, el("div", { class: "reports-actions" }, refresh, this.csv)),
      this.updated,
      this.error,
      this.content);
  }

  /** Shown: today at first, then the period chosen; read now, and live while it takes in today. */
  async show() {
    this.shown = true;
    await this.load();
  }

  hide() {
    this.shown = false;
    this.seq += 1; // an answer on its way is not shown
    this.quiet();
  }

  destroy() {
    this.hide();
    this.root.replaceChildren();
  }

  /** No stream, no timer. */
  quiet() {
    clearTimeout(this.pending);
    clearInterval(this.timer);
    this.pending = this.timer = null;
    if (this.stream) this.stream.stop();
    this.stream = null;
    this.live.hidden = true;
  }

  today() {
    return this.timeZone ? dateIn(serverNow(), this.timeZone) : null;
  }

  /** days > 0: the last `days` days to today; -1: yesterday. */
  pickLast(days) {
    const today = this.today();
    if (!today) return;
    if (days < 0) this.range = { from: addDays(today, -1), to: addDays(today, -1) };
    else this.range = { from: addDays(today, 1 - days), to: today };
    this.from.value = this.range.from;
    this.to.value = this.range.to;
    this.load();
  }

  picked() {
    const from = this.from.value;
    const to = this.to.value;
    if (!from || !to) return; // still being typed
    if (from > to) {
      this.error.textContent = "The From date must be on or before the To date.";
      return;
    }
    this.range = { from, to };
    this.load();
  }

  /** Reads the period's figures (and the period before it) and shows them; `live`: a refresh
   *  of the same period (the page does not dim meanwhile). */
  async load({ live = false } = {}) {
    if (!this.shown) return;
    const seq = ++this.seq;
    if (!live) this.content.setAttribute("aria-busy", "true");
    try {
      if (!this.range) {
        // Today is the server's today in the org's time zone: an answer without a period says it.
        const today = await api("/api/v1/reports/summary?groupBy=hour");
        if (seq !== this.seq) return;
        this.timeZone = today.timeZone;
        const date = dateIn(today.fromTime, today.timeZone);
        this.range = { from: date, to: date };
        this.from.value = this.to.value = date;
      }
      const { from, to } = this.range;
      const days = dayNumber(to) - dayNumber(from) + 1;
      const before = { from: addDays(from, -days), to: addDays(from, -1) };
      const period = (r) => `from=${r.from}&to=${r.to}`;
      const [current, previous, queues, agents] = await Promise.all([
        api(`/api/v1/reports/summary?${period(this.range)}&groupBy=${days === 1 ? "hour" : "day"}`),
        api(`/api/v1/reports/summary?${period(before)}&groupBy=queue`),
        api(`/api/v1/reports/summary?${period(this.range)}&groupBy=queue`),
        api(`/api/v1/reports/agents?${period(this.range)}`),
      ]);
      if (seq !== this.seq) return;
      this.timeZone = current.timeZone;
      this.render({ range: this.range, before, days, current, previous, queues, agents });
      this.error.textContent = "";
      this.updatedText.textContent = `Updated ${timeIn(serverNow(), this.timeZone)} · times in ${this.timeZone}`;
    } catch (error) {
      if (seq !== this.seq || error.status === 401) return;
      this.error.textContent = `The reports could not be read: ${error.message}`;
    } finally {
      if (seq === this.seq) this.content.removeAttribute("aria-busy");
    }
    if (seq === this.seq) this.follow();
  }

  /** Live while the period takes in today: the supervisor stream and a timer. */
  follow() {
    const live = this.shown && this.range && this.timeZone && this.range.to >= this.today();
    if (!live) {
      this.quiet();
      return;
    }
    if (!this.timer) this.timer = setInterval(() => this.load({ live: true }), REFRESH_MS);
    if (!this.stream) {
      this.stream = new EventStream({
        path: "/api/v1/supervisor/stream",
        onEvent: (name) => { if (LIVE_EVENTS.has(name)) this.changed(); },
        onState: (state) => { this.live.hidden = state !== "open"; }, // changes come from now on
      });
      this.stream.start();
    }
  }

  /** Something changed: read again once the burst is over (2 s after its first event). */
  changed() {
    if (this.pending || !this.shown) return;
    this.pending = setTimeout(() => { this.pending = null; this.load({ live: true }); }, CHANGE_DELAY_MS);
  }

  async download() {
    if (!this.range) return;
    try {
      const { from, to } = this.range;
      const response = await api(`/api/v1/reports/sessions?from=${from}&to=${to}&format=csv`, { raw: true });
      const href = URL.createObjectURL(await response.blob());
      const link = el("a", { href, download: `sessions-${from}-to-${to}.csv` });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(href), 10000);
    } catch (error) {
      if (error.status !== 401) this.error.textContent = `The sessions could not be downloaded: ${error.message}`;
    }
  }

  // ---- drawing ---------------------------------------------------------------------------------

  render({ range, before, days, current, previous, queues, agents }) {
    const today = this.today();
    const single = days === 1;
    const isToday = single && range.from === today;
    const beforeName = isToday ? "Yesterday" : single ? "Day before" : `Previous ${days} days`;
    const periodText = single
      ? `${isToday ? "Today, " : ""}${dayText(range.from, LONG)}`
      : `${dayText(range.from, SHORT)} to ${dayText(range.to, { ...SHORT, year: "numeric" })}`;
    const beforeText = single ? dayText(before.from, LONG) : `${dayText(before.from, SHORT)} to ${dayText(before.to, SHORT)}`;
    this.period.replaceChildren(el("strong", {}, periodText),
      el("span", { class: "quiet" }, ` against ${isToday ? "yesterday" : beforeText}`));

    this.kpis.replaceChildren(...KPIS.map((kpi) => this.kpi(kpi, current, previous, beforeName)));
    this.charts(range, days, current);
    this.levels(current.serviceLevels);
    this.satisfaction(current, queues);
    this.agents(agents.agents);
  }

  kpi(kpi, current, previous, beforeName) {
    const id = uniqueId("kpi");
    const now = kpi.value(current);
    const then = kpi.value(previous);
    let delta = null;
    if (now !== null && then !== null) {
      const d = now - then;
      const same = Math.abs(d) < 0.05; // nothing at one decimal
      const judged = same || !kpi.better ? "same" : (d > 0) === (kpi.better > 0) ? "better" : "worse";
      delta = el("p", { class: `delta ${judged}` }, same ? "no change" : kpi.delta(d));
    }
    const detail = kpi.detail(current);
    return el("div", { class: "kpi", role: "group", "aria-labelledby": id },
      el("p", { class: "kpi-name", id }, kpi.name),
      el("p", { class: "kpi-value" }, or(now, kpi.text)),
      el("p", { class: "kpi-detail" }, detail),
      el("div", { class: "kpi-before" },
        el("p", {}, `${beforeName}: ${or(then, kpi.text)}`), delta));
  }

  charts(range, days, current) {
    let categories;
    if (days === 1) {
      categories = Array.from({ length: 24 }, (_, h) => {
        const hh = String(h).padStart(2, "0");
        return { key: `${range.from}T${hh}:00`, label: `${hh}:00`, short: h % 3 === 0 ? `${hh}:00` : "" };
      });
    } else {
      const every = Math.ceil(days / 12);
      categories = Array.from({ length: days }, (_, i) => {
        const date = addDays(range.from, i);
        return { key: date, label: dayText(date, SHORT), short: i % every === 0 ? dayText(date, { day: "numeric", month: "short" }) : "" };
      });
    }
    const rows = new Map(current.rows.map((row) => [row.group, row]));
    const values = (pick) => categories.map((c) => (rows.has(c.key) ? pick(rows.get(c.key)) : null));
    const by = days === 1 ? "hour" : "day";
    const header = days === 1 ? "Hour" : "Day";

    const responseTitle = `Wait and first response by ${by}`;
    this.responseTitle.textContent = responseTitle;
    const response = barChart({
      title: responseTitle,
      description: `Average wait and average first response of the sessions that entered a queue in each ${by}.`,
      categories, header, format: seconds, axisFormat: seconds, steps: SECOND_STEPS,
      series: [
        { name: "Average wait", className: "series-wait", values: values((r) => r.figures.wait?.average ?? null) },
        { name: "Average first response", className: "series-first",
          values: values((r) => r.figures.first_response?.average ?? null) },
      ],
    });
    swap(this.responseChart, response);

    const volumeTitle = `Sessions by ${by}`;
    this.volumeTitle.textContent = volumeTitle;
    const volume = barChart({
      title: volumeTitle,
      description: `Sessions that entered a queue in each ${by}, and those abandoned.`,
      categories, header, format: count, steps: COUNT_STEPS,
      series: [
        { name: "Sessions", className: "series-sessions", values: values((r) => r.sessions) },
        { name: "Abandoned", className: "series-abandoned", values: values((r) => r.abandoned) },
      ],
    });
    swap(this.volumeChart, volume);
  }

  levels(serviceLevels) {
    this.levelBody.replaceChildren(...(serviceLevels.length ? serviceLevels.map((q) => {
      const meter = q.percent === null ? null : el("meter", {
        min: "0", max: "100", low: String(q.goalPercent), optimum: "100", value: String(q.percent),
        "aria-label": `Service level of ${q.queue}`,
      });
      return el("tr", {},
        el("th", { scope: "row" }, q.queue),
        el("td", { class: "number level" }, el("span", {}, or(q.percent, percent)), meter ? " " : null, meter),
        el("td", {}, `${q.goalPercent} % within ${seconds(q.withinSeconds)}`),
        el("td", { class: "number" }, `${count(q.met)} of ${count(q.counted)}`));
    }) : [el("tr", {}, el("td", { colspan: "4", class: "quiet" }, "You supervise no queue."))]));
  }

  satisfaction(current, queues) {
    const csat = current.total.figures.csat;
    this.csatValue.replaceChildren(
      el("span", { class: "big-number" }, or(csat?.average, decimal)), el("span", { class: "quiet" }, " out of 5"));
    this.csatDetail.textContent = csat?.count
      ? `Average of ${count(csat.count)} ${csat.count === 1 ? "answer" : "answers"} to the post-chat survey, median ${decimal(csat.median)}.`
      : "No survey answers for the sessions of this period.";
    const rows = queues.rows.filter((row) => row.figures.csat?.count);
    this.csatBody.replaceChildren(...(rows.length ? rows.map((row) => el("tr", {},
      el("th", { scope: "row" }, row.label),
      el("td", { class: "number" }, decimal(row.figures.csat.average)),
      el("td", { class: "number" }, count(row.figures.csat.count))))
      : [el("tr", {}, el("td", { colspan: "3", class: "quiet" }, "No answers yet."))]));
  }

  agents(list) {
    this.agentBody.replaceChildren(...(list.length ? list.map((a) => el("tr", {},
      el("th", { scope: "row" }, a.displayName),
      el("td", { class: "number" }, count(a.sessionsHandled)),
      el("td", { class: "number" }, seconds(a.onlineSeconds)),
      el("td", { class: "number" }, seconds(a.handlingSeconds)),
      el("td", { class: "number" }, or(a.occupancyPercent, percent))))
      : [el("tr", {}, el("td", { colspan: "5", class: "quiet" }, "No agents in your queues."))]));
  }
}

/** A chart and its table (folded under it) in `box`, in place of those it had: the table stays
 *  open if it was, and the focus on its summary. */
function swap(box, { element, table }) {
  const before = box.querySelector("details");
  const summary = el("summary", {}, "Show as a table");
  const details = el("details", { class: "chart-table", open: Boolean(before?.open) }, summary, table);
  const focused = before && before.contains(document.activeElement);
  box.replaceChildren(element, details);
  if (focused) summary.focus();
}
