// The supervisor view (supervisors and admins): her queues (waiting, the longest wait ticking
// live, the estimated wait, agents online and their free capacity), the agents who serve them
// (presence, load against capacity, their open chats) and a chat's transcript, read only. It
// reads GET /api/v1/supervisor/overview once, then follows GET /api/v1/supervisor/stream from
// the overview's lastEventId: SessionChanged, QueueChanged, AgentPresenceChanged and
// AgentLoadChanged keep every figure live without polling. Rows are updated in place, so the
// focus stays where the supervisor put it.
import { api } from "./api.js";
import { serverNow, setServerTime } from "./clock.js";
import { el, uniqueId } from "./dom.js";
import { FileShelf } from "./files.js";
import { customerName } from "./people.js";
import { EventStream } from "./stream.js";
import { Transcript, endedBy } from "./transcript.js";

const OPEN = ["Active", "Inactive"]; // a chat an agent has open
const TICK_MS = 1000;

/** Whether the agent may use the supervisor API (GET /api/v1/me's roles). */
export function supervises(me) {
  return (me.roles || []).some((role) => role === "supervisor" || role === "admin");
}

/** "42 s", "3 min 05 s", "1 h 02 min". */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

export class SupervisorView {
  /** root: the view's <main>; onState(text): the connection's state in words ("" when live) */
  constructor({ root }) {
    this.root = root;
    this.queues = new Map(); // name → {figures, row, cells}
    this.agents = new Map(); // id → {agent, row, cells, items: Map(sessionId → li)}
    this.sessions = new Map(); // id → an open session of her queues (with its agentId)
    this.stream = null;
    this.ticker = null;
    this.watched = null; // the session whose transcript is shown
    this.files = new FileShelf();
    this.state = el("p", { class: "reason", role: "status" });
    this.queueBody = el("tbody");
    this.agentBody = el("tbody");
    this.watch = el("div", { class: "watch-body" },
      el("p", { class: "quiet" }, "Choose a chat under Agents to read its transcript."));
    const queuesTitle = uniqueId("queues-title");
    const agentsTitle = uniqueId("agents-title");
    const watchTitle = uniqueId("watch-title");
    const head = (...names) => el("thead", {}, el("tr", {}, names.map((n) => el("th", { scope: "col" }, n))));
    root.replaceChildren(
      el("div", { class: "supervise-head" }, el("h2", { id: "supervise-title" }, "Supervisor"), this.state),
      el("div", { class: "supervise-grid" },
        el("div", { class: "supervise-main" },
          el("section", { "aria-labelledby": queuesTitle },
            el("h3", { id: queuesTitle }, "Queues"),
            el("table", { class: "figures", "aria-labelledby": queuesTitle },
              head("Queue", "Waiting", "Longest wait", "Estimated wait", "Agents online", "Free capacity"),
              this.queueBody)),
          el("section", { "aria-labelledby": agentsTitle },
            el("h3", { id: agentsTitle }, "Agents"),
            el("table", { class: "figures agents", "aria-labelledby": agentsTitle },
              head("Agent", "Presence", "Load", "Chats"), this.agentBody))),
        el("section", { class: "watch", "aria-labelledby": watchTitle },
          el("h3", { id: watchTitle }, "Transcript"), this.watch)));
  }

  /** Shown: the overview, then its stream from the overview's lastEventId. */
  async show() {
    this.shown = true;
    clearInterval(this.ticker);
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    await this.resync();
  }

  /** Hidden (the chats view, signing out): the stream closes until it is shown again. */
  hide() {
    this.shown = false;
    clearInterval(this.ticker);
    clearTimeout(this.pending);
    this.ticker = this.pending = null;
    if (this.stream) this.stream.stop();
    this.stream = null;
  }

  destroy() {
    this.hide();
    this.files.release();
    this.root.replaceChildren();
  }

  /** Reads the overview afresh and follows the stream from there. */
  async resync() {
    if (this.stream) this.stream.stop();
    this.stream = null;
    this.resyncing = true;
    let overview;
    try {
      overview = await api("/api/v1/supervisor/overview");
    } catch (error) {
      this.resyncing = false;
      if (error.status !== 401) this.state.textContent = `The overview could not be read: ${error.message}`;
      return;
    }
    this.resyncing = false;
    if (!this.shown) return;
    setServerTime(overview.at);
    this.apply(overview);
    this.state.textContent = "";
    this.stream = new EventStream({
      path: "/api/v1/supervisor/stream",
      lastEventId: overview.lastEventId,
      onEvent: (name, data) => this.event(name, data),
      onState: (state) => {
        if (state === "open") this.state.textContent = "";
        else if (state === "reconnecting") this.state.textContent = "Reconnecting…";
        else if (state === "forbidden") this.state.textContent = "You no longer supervise any queue.";
      },
    });
    this.stream.start();
  }

  apply(overview) {
    const queueNames = new Set(overview.queues.map((q) => q.name));
    for (const [name, item] of this.queues) if (!queueNames.has(name)) { item.row.remove(); this.queues.delete(name); }
    overview.queues.forEach((q) => this.queue(q));
    const agentIds = new Set(overview.agents.map((a) => a.id));
    for (const [id, item] of this.agents) if (!agentIds.has(id)) { item.row.remove(); this.agents.delete(id); }
    this.sessions.clear();
    for (const agent of overview.agents) {
      const { sessions, ...rest } = agent;
      sessions.forEach((s) => this.sessions.set(s.id, { ...s, agentId: agent.id }));
      this.agent(rest);
    }
    this.agents.forEach((item) => this.agentChats(item));
    this.tick();
  }

  // ---- the supervisor stream's events ---------------------------------------------------------

  event(name, data) {
    switch (name) {
      case "SessionChanged":
        this.sessionChanged(data);
        break;
      case "QueueChanged": {
        const known = this.queues.get(data.queue);
        if (!known) return this.later();
        this.queue({ ...known.figures, waiting: data.waiting, oldestQueuedAt: data.oldestQueuedAt,
          estimatedWaitTimeInSeconds: data.estimatedWaitTimeInSeconds });
        break;
      }
      case "AgentPresenceChanged":
      case "AgentLoadChanged": {
        const known = this.agents.get(data.agentId);
        if (!known) return this.later(); // an agent the overview did not have: read it again
        const change = name === "AgentPresenceChanged" ? { presence: data.presence }
          : { used: data.used, capacity: data.capacity };
        this.agent({ ...known.agent, ...change });
        this.capacities();
        break;
      }
      default:
        break; // an event this console does not know yet
    }
    return undefined;
  }

  sessionChanged(data) {
    const before = this.sessions.get(data.sessionId);
    if (OPEN.includes(data.status) && data.agentId) {
      this.sessions.set(data.sessionId, {
        id: data.sessionId, conversationId: data.conversationId, status: data.status, queue: data.queue,
        customerName: data.customerName, startTime: data.startTime, acceptTime: data.acceptTime,
        agentId: data.agentId,
      });
      if (!this.agents.has(data.agentId)) this.later();
    } else {
      this.sessions.delete(data.sessionId);
    }
    const touched = new Set([before?.agentId, data.agentId].filter(Boolean));
    touched.forEach((id) => { const item = this.agents.get(id); if (item) this.agentChats(item); });
    if (this.watched === data.sessionId) this.read(data.sessionId, { quiet: true });
  }

  /** Something the overview did not know: read it again (once, soon). */
  later() {
    if (this.resyncing || this.pending) return;
    this.pending = setTimeout(() => { this.pending = null; if (this.shown) this.resync(); }, 300);
  }

  // ---- rows ------------------------------------------------------------------------------------

  queue(figures) {
    let item = this.queues.get(figures.name);
    if (!item) {
      const cells = {
        waiting: el("td", { class: "number" }), longest: el("td", { class: "number" }),
        ewt: el("td", { class: "number" }), online: el("td", { class: "number" }), free: el("td", { class: "number" }),
      };
      const row = el("tr", {}, el("th", { scope: "row" }, figures.name),
        cells.waiting, cells.longest, cells.ewt, cells.online, cells.free);
      item = { row, cells, figures };
      this.queues.set(figures.name, item);
      this.queueBody.append(row);
    }
    item.figures = figures;
    const { cells } = item;
    text(cells.waiting, String(figures.waiting));
    item.row.classList.toggle("busy", figures.waiting > 0);
    text(cells.ewt, figures.estimatedWaitTimeInSeconds === null || figures.estimatedWaitTimeInSeconds === undefined
      ? "none yet" : duration(figures.estimatedWaitTimeInSeconds));
    text(cells.online, String(figures.agentsOnline));
    text(cells.free, String(figures.freeCapacity));
    this.tickQueue(item);
  }

  /** Agents online and free capacity per queue, from the agents as they are now (as the
   *  overview counts them: Online agents of the queue, capacity less their Active load). */
  capacities() {
    for (const item of this.queues.values()) {
      const online = [...this.agents.values()].map((a) => a.agent)
        .filter((a) => a.presence === "Online" && a.queues.includes(item.figures.name));
      this.queue({ ...item.figures, agentsOnline: online.length,
        freeCapacity: online.reduce((sum, a) => sum + Math.max(0, a.capacity - a.used), 0) });
    }
  }

  agent(agent) {
    let item = this.agents.get(agent.id);
    if (!item) {
      const cells = {
        presence: el("td", {}), load: el("td", {}),
        chats: el("td", {}, el("ul", { class: "chats", "aria-label": `Chats of ${agent.displayName}` })),
      };
      cells.dot = el("span", { class: "presence-dot", "aria-hidden": "true" });
      cells.presenceText = el("span", {});
      cells.presence.append(cells.dot, " ", cells.presenceText);
      cells.meter = el("meter", { min: "0", "aria-label": `Load of ${agent.displayName}` });
      cells.loadText = el("span", {});
      cells.load.append(cells.loadText, " ", cells.meter);
      const row = el("tr", {}, el("th", { scope: "row" }, agent.displayName), cells.presence, cells.load, cells.chats);
      item = { row, cells, agent, items: new Map() };
      this.agents.set(agent.id, item);
      this.agentBody.append(row);
    }
    item.agent = agent;
    const { cells } = item;
    text(cells.presenceText, agent.presence);
    cells.dot.className = `presence-dot ${agent.presence}`;
    text(cells.loadText, `${agent.used} of ${agent.capacity}`);
    cells.meter.max = Math.max(1, agent.capacity);
    cells.meter.value = agent.used;
    cells.meter.high = Math.max(1, agent.capacity) - 0.5;
  }

  /** Her open chats as buttons (the transcript opens beside), changed one by one. */
  agentChats(item) {
    const list = item.cells.chats.querySelector("ul");
    const mine = [...this.sessions.values()].filter((s) => s.agentId === item.agent.id)
      .sort((a, b) => (a.startTime - b.startTime) || a.id.localeCompare(b.id));
    const ids = new Set(mine.map((s) => s.id));
    for (const [id, li] of item.items) if (!ids.has(id)) { li.remove(); item.items.delete(id); }
    for (const s of mine) {
      let li = item.items.get(s.id);
      if (!li) {
        const button = el("button", { type: "button", class: "link chat" });
        button.addEventListener("click", () => this.read(s.id));
        li = el("li", {}, button);
        item.items.set(s.id, li);
        list.append(li);
      }
      const button = li.firstChild;
      const label = `${s.customerName || "Customer"}`;
      const detail = [s.status, s.queue].filter(Boolean).join(", ");
      if (button.dataset.label !== `${label}|${detail}`) {
        button.dataset.label = `${label}|${detail}`;
        button.replaceChildren(el("span", { class: "name" }, label), el("span", { class: "detail" }, ` (${detail})`));
      }
    }
    list.hidden = !mine.length;
    let none = item.cells.chats.querySelector(".none");
    if (!none) {
      none = el("span", { class: "quiet none" }, "none");
      item.cells.chats.append(none);
    }
    none.hidden = mine.length > 0;
  }

  tick() {
    this.queues.forEach((item) => this.tickQueue(item));
  }

  tickQueue(item) {
    const { oldestQueuedAt, waiting } = item.figures;
    const longest = waiting > 0 && Number.isFinite(oldestQueuedAt)
      ? duration((serverNow() - oldestQueuedAt) / 1000) : "none";
    text(item.cells.longest, longest);
  }

  // ---- a chat's transcript, read only -----------------------------------------------------------

  async read(sessionId, { quiet = false } = {}) {
    this.watched = sessionId;
    let detail;
    try {
      detail = await api(`/api/v1/supervisor/sessions/${sessionId}`);
    } catch (error) {
      if (this.watched === sessionId) this.watch.replaceChildren(el("p", { class: "error" }, error.message));
      return;
    }
    if (this.watched !== sessionId) return;
    const name = this.sessions.get(sessionId)?.customerName || customerName(detail.routingAttributes || {});
    const transcript = new Transcript({ label: `Transcript of ${name}`, customerName: () => name,
      files: this.files, onError: (error) => { this.watch.querySelector(".error").textContent = error.message; } });
    transcript.load(detail.transcript || [], detail.id);
    const agent = detail.agentId ? this.agents.get(detail.agentId)?.agent.displayName : null;
    const status = detail.status === "Ended" && detail.endedByRole ? `Ended by ${endedBy(detail.endedByRole)}` : detail.status;
    const facts = [status, detail.queue && `${detail.queue} queue`, agent && `with ${agent}`].filter(Boolean);
    const heading = el("h4", { tabindex: "-1" }, name);
    this.watch.replaceChildren(heading,
      el("p", { class: "status" }, facts.join(" · ")),
      el("p", { class: "reason" }, "Read only: the transcript as it was when you opened it (it is read again when the chat changes)."),
      el("p", { class: "error", role: "alert" }),
      transcript.element);
    if (!quiet) heading.focus();
  }
}

function text(node, value) {
  if (node.textContent !== value) node.textContent = value;
}
