// The workspaces as tabs, one per accepted session (ARIA tabs: arrow keys move between them,
// Alt+Shift+1…9 jumps to one), each with an unread count of the customer's messages that came
// while it was out of sight. Stream events find their workspace by their session's id.
import { announce } from "./announce.js";
import { el } from "./dom.js";
import { Workspace } from "./workspace.js";

export class Workspaces {
  constructor({ me, tablist, panels, empty }) {
    this.me = me;
    this.tablist = tablist;
    this.panels = panels;
    this.empty = empty;
    this.all = new Map(); // sessionId → {workspace, tab}
    this.interviews = new Map(); // interview id → workspace (flows started here)
    this.early = new Map(); // sessionId → entries that came before its workspace opened
    this.selected = null;
    this.listening = new AbortController(); // its page-wide listeners, until signed out
    const { signal } = this.listening;
    tablist.addEventListener("keydown", (event) => this.arrows(event), { signal });
    document.addEventListener("visibilitychange", () => this.seen(), { signal });
  }

  /** The workspace of a session, opened (and read) when it is not yet. */
  open(sessionId, { focus = false } = {}) {
    let item = this.all.get(sessionId);
    if (!item) {
      const workspace = new Workspace({
        sessionId, me: this.me,
        onChange: (ws) => this.label(ws),
        onInterview: (id, ws) => this.interviews.set(id, ws),
      });
      const tab = el("button", { type: "button", role: "tab", id: workspace.tabId,
        "aria-controls": workspace.panelId, "aria-selected": "false", tabindex: "-1", class: "tab" });
      item = { workspace, tab };
      this.all.set(sessionId, item);
      tab.addEventListener("click", () => this.select(sessionId, { focusTab: true }));
      workspace.closeButton.addEventListener("click", () => this.close(sessionId));
      this.tablist.append(tab);
      this.panels.append(workspace.element);
      this.label(workspace);
      const early = this.early.get(sessionId) || [];
      this.early.delete(sessionId);
      workspace.loaded = workspace.load(early).then((fresh) => { if (fresh) this.arrived(workspace); });
      if (!this.selected) this.select(sessionId);
    }
    if (focus) this.select(sessionId, { focusComposer: true });
    this.empty.hidden = this.all.size > 0;
    return item.workspace;
  }

  get(sessionId) {
    return this.all.get(sessionId)?.workspace || null;
  }

  each(visit) {
    for (const { workspace } of this.all.values()) visit(workspace);
  }

  /** An entry of a session with no workspace (yet: the stream may beat the accept's answer);
   *  kept a while for the workspace that opens next. */
  keepEarly(entry) {
    if (!entry.sessionId || entry.entryType?.startsWith("Typing")) return;
    const list = this.early.get(entry.sessionId) || [];
    list.push(entry);
    this.early.set(entry.sessionId, list.slice(-100));
    if (this.early.size > 50) this.early.delete(this.early.keys().next().value);
  }

  byInterview(interview) {
    const known = this.interviews.get(interview.interviewId || interview.id);
    if (known) return known;
    const vars = interview.variables || {};
    for (const { workspace } of this.all.values()) {
      const s = workspace.session;
      if ((vars.session && vars.session.id === s.id) || (s.caseId && vars.recordId === s.caseId)) return workspace;
    }
    return null;
  }

  select(sessionId, { focusTab = false, focusComposer = false } = {}) {
    const target = this.all.get(sessionId);
    if (!target) return;
    for (const [id, { workspace, tab }] of this.all) {
      const on = id === sessionId;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      workspace.element.hidden = !on;
    }
    this.selected = sessionId;
    this.seen();
    if (focusTab || focusComposer) target.tab.focus();
    if (focusComposer) {
      // once the session is read: the box is enabled only if she may write there
      target.workspace.loaded.then(() => {
        const box = target.workspace.composer.box;
        if (this.selected === sessionId && !box.disabled && target.tab === document.activeElement) box.focus();
      });
    }
  }

  /** Alt+Shift+N: the Nth tab. */
  selectIndex(index) {
    const id = [...this.all.keys()][index];
    if (id) this.select(id, { focusComposer: true });
  }

  current() {
    return this.get(this.selected);
  }

  close(sessionId) {
    const item = this.all.get(sessionId);
    if (!item) return;
    const ids = [...this.all.keys()];
    const at = ids.indexOf(sessionId);
    item.tab.remove();
    item.workspace.destroy();
    this.all.delete(sessionId);
    for (const [id, ws] of this.interviews) if (ws === item.workspace) this.interviews.delete(id);
    if (this.selected === sessionId) {
      this.selected = null;
      const next = [...this.all.keys()][Math.max(0, at - 1)];
      if (next) this.select(next, { focusTab: true });
      else document.getElementById("workspaces").focus();
    }
    this.empty.hidden = this.all.size > 0;
  }

  /** Signing out: every workspace goes, and so do its listeners. */
  closeAll() {
    [...this.all.keys()].forEach((id) => this.close(id));
    this.listening.abort();
  }

  /** A new message from the customer: counted unless it is in view. */
  arrived(workspace) {
    const inView = this.selected === workspace.id && document.visibilityState === "visible";
    if (inView) return;
    workspace.unread += 1;
    this.label(workspace);
    if (this.selected !== workspace.id) announce(`New message from ${workspace.name()}.`);
  }

  seen() {
    const workspace = this.current();
    if (workspace && document.visibilityState === "visible" && workspace.unread) {
      workspace.unread = 0;
      this.label(workspace);
    }
  }

  label(workspace) {
    const item = this.all.get(workspace.id);
    if (!item) return;
    const parts = [el("span", {}, workspace.name())];
    if (workspace.finished) parts.push(el("span", { class: "ended" }, "(closed)"));
    if (workspace.unread) {
      parts.push(el("span", { class: "badge" }, String(workspace.unread),
        el("span", { class: "visually-hidden" }, " unread")));
    }
    item.tab.replaceChildren(...parts);
  }

  arrows(event) {
    const tabs = [...this.tablist.querySelectorAll('[role="tab"]')];
    const at = tabs.indexOf(document.activeElement);
    if (at < 0) return;
    let to = null;
    if (event.key === "ArrowRight") to = (at + 1) % tabs.length;
    else if (event.key === "ArrowLeft") to = (at - 1 + tabs.length) % tabs.length;
    else if (event.key === "Home") to = 0;
    else if (event.key === "End") to = tabs.length - 1;
    if (to === null) return;
    const found = [...this.all.entries()].find(([, item]) => item.tab === tabs[to]);
    if (!found) return;
    event.preventDefault();
    this.select(found[0], { focusTab: true });
  }
}
