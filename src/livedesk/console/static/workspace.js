// One accepted session's workspace: the chat (status, transcript, the customer's typing, the
// message box, the Conversation Toolkit) and beside it the customer's pre-chat, the linked Case
// and the flow panel. It reads the session once (GET /api/v1/sessions/{id}) and then follows the
// agent stream's events for it.
import { api } from "./api.js";
import { sawServerTime } from "./clock.js";
import { el, uniqueId } from "./dom.js";
import { CasePanel } from "./casepanel.js";
import { Composer } from "./composer.js";
import { FileShelf } from "./files.js";
import { FlowPanel } from "./flowpanel.js";
import { customerName, labelOf } from "./people.js";
import { whyNotWrite } from "./rules.js";
import { Toolkit } from "./toolkit.js";
import { Transcript, endedBy } from "./transcript.js";

const TYPING_FORGOTTEN_MS = 10000; // a "started" never followed by "stopped" fades out

export class Workspace {
  /** me: the agent; onChange(): the tab's label changed; onInterview(id): a flow she started */
  constructor({ sessionId, me, onChange, onInterview }) {
    this.id = sessionId;
    this.me = me;
    this.onChange = onChange;
    this.onInterview = onInterview;
    this.session = { id: sessionId, status: null, agentId: me.id, routingAttributes: {} }; // until read
    this.unread = 0;
    this.files = new FileShelf();
    this.panelId = uniqueId("workspace");
    this.tabId = uniqueId("tab");
    const state = () => ({ session: this.session, me: this.me });
    const onError = (error) => this.error(error);
    const onSaid = (sentence) => this.say(sentence);

    this.heading = el("h2", {}, "Customer");
    this.statusLine = el("p", { class: "status" });
    this.closeButton = el("button", { type: "button", class: "link" }, "Close workspace");
    this.transcript = new Transcript({ label: "Conversation", customerName: () => this.name(),
      files: this.files, onError });
    this.typingLine = el("p", { class: "typing", "aria-live": "polite" });
    this.composer = new Composer({ sessionId, onError, send: (text) => this.send(text),
      sendFile: (file, text) => this.sendFile(file, text) });
    this.toolkit = new Toolkit({ act: (body) => this.act(body), state, onError, onDone: onSaid });
    this.alert = el("p", { class: "error notice", role: "alert" });
    this.said = el("p", { class: "reason notice", role: "status" });
    this.details = el("dl", { class: "facts" });
    this.casePanel = new CasePanel({ state, files: this.files, onError, onSaid,
      onLinked: (session) => this.update(session) });
    this.flowPanel = new FlowPanel({ state, onError, onStarted: (id) => this.onInterview(id, this) });

    const customerTitle = uniqueId("customer-title");
    this.element = el("div", { class: "workspace", role: "tabpanel", id: this.panelId,
      "aria-labelledby": this.tabId, hidden: true },
      el("div", { class: "chat" },
        el("div", { class: "chat-head" },
          el("div", { class: "title-row" }, this.heading, this.statusLine, this.closeButton),
          this.toolkit.element),
        this.transcript.element, this.typingLine, this.alert, this.said, this.composer.element),
      el("div", { class: "side", role: "region", "aria-label": "Customer, flow and Case" },
        el("section", { "aria-labelledby": customerTitle },
          el("h3", { id: customerTitle }, "Pre-chat"), this.details),
        this.flowPanel.element, this.casePanel.element));
    this.refresh();
  }

  name() {
    return customerName(this.session.routingAttributes || this.session.prechat || {});
  }

  /** Reads the session and its transcript (across the conversation's sessions). Entries that
   *  arrive meanwhile (or came before the workspace opened: `early`) are applied after it, once
   *  each. */
  async load(early = []) {
    this.held = this.held || [];
    this.held.push(...early);
    this.loading = (this.loading || 0) + 1;
    try {
      const detail = await api(`/api/v1/sessions/${this.id}`);
      const transcript = detail.transcript || [];
      delete detail.transcript;
      transcript.forEach((e) => sawServerTime(e.transcriptedTimestamp));
      this.update(detail);
      this.transcript.load(transcript, this.id);
      if (!this.flowPanel.interviewId) this.flowPanel.restore(this.id); // after a reload
    } catch (error) {
      this.error(error);
    } finally {
      this.loading -= 1;
    }
    if (!this.loading) {
      const held = this.held.splice(0);
      let fresh = 0;
      held.forEach((entry) => { if (this.entry(entry)) fresh += 1; });
      return fresh; // new messages from the customer among them
    }
    return 0;
  }

  update(session) {
    this.session = { ...this.session, ...session };
    this.refresh();
  }

  /** Everything that depends on the session's state. */
  refresh() {
    const s = this.session;
    this.heading.textContent = this.name();
    const label = statusLabel(s);
    this.statusLine.className = `status ${s.transferred ? "Transferred" : s.status || ""}`;
    this.statusLine.replaceChildren("Status: ", el("span", { class: "label" }, label));
    this.details.replaceChildren();
    const attrs = s.prechat && Object.keys(s.prechat).length ? s.prechat : s.routingAttributes || {};
    for (const [name, value] of Object.entries(attrs)) {
      this.details.append(el("dt", {}, labelOf(name)), el("dd", {}, String(value)));
    }
    if (s.queue) this.details.append(el("dt", {}, "Queue"), el("dd", {}, s.queue));
    const why = whyNotWrite(s, this.me);
    this.composer.allow(!why, why);
    this.toolkit.refresh();
    this.casePanel.refresh();
    this.flowPanel.refresh();
    const open = !s.transferred && s.status !== "Ended" && s.agentId === this.me.id;
    this.closeButton.hidden = open;
    this.onChange(this);
  }

  get finished() {
    return this.session.status === "Ended" || !!this.session.transferred;
  }

  async send(text) {
    const result = await this.act({ actionType: "sendMessage", message: text, id: crypto.randomUUID() });
    this.transcript.sent(result.entryId, text, this.me.displayName);
  }

  /** A file from the agent (POST /api/v1/sessions/{id}/files), `text` its caption. */
  async sendFile(file, text) {
    const form = new FormData();
    form.append("file", file, file.name);
    if (text) form.append("text", text);
    this.alert.textContent = "";
    const result = await api(`/api/v1/sessions/${this.id}/files`, { method: "POST", form });
    this.transcript.sent(result.entryId, text, this.me.displayName, result.attachments || []);
  }

  act(body) {
    this.alert.textContent = "";
    // After an end or a transfer she may not write here: no late "stopped typing" call (refused).
    if (body.actionType === "endChat" || body.actionType === "transfer") this.composer.quiet();
    return api(`/api/v1/sessions/${this.id}/actions`, { method: "POST", json: body });
  }

  error(error) {
    this.alert.textContent = error.message || String(error);
  }

  say(sentence) {
    this.alert.textContent = "";
    this.said.textContent = sentence;
    clearTimeout(this.saidTimer);
    this.saidTimer = setTimeout(() => { this.said.textContent = ""; }, 8000);
  }

  // ---- events of the agent stream for this session ------------------------------------------

  /** A ConversationEntry; true when it is a new message from the customer. */
  entry(entry) {
    sawServerTime(entry.transcriptedTimestamp ?? entry.timestamp);
    if (this.loading) {
      this.held.push(entry);
      return false;
    }
    const type = entry.entryType;
    if (type === "TypingStartedIndicator" || type === "TypingStoppedIndicator") {
      if (entry.sender?.role === "EndUser") this.typing(type === "TypingStartedIndicator");
      return false;
    }
    const fromCustomer = this.transcript.add(entry);
    if (fromCustomer) this.typing(false);
    if (type === "SessionStatusChanged" && entry.entryPayload?.sessionStatus && entry.sessionId === this.id) {
      this.update({ status: entry.entryPayload.sessionStatus, endedByRole: entry.entryPayload.sessionEndedByRole });
    }
    return fromCustomer;
  }

  typing(on) {
    clearTimeout(this.typingTimer);
    this.typingLine.textContent = on ? `${this.name()} is typing…` : "";
    if (on) this.typingTimer = setTimeout(() => { this.typingLine.textContent = ""; }, TYPING_FORGOTTEN_MS);
  }

  status(event) {
    if (event.status === "Transferred") {
      const to = event.toAgentId ? this.toolkit.nameOf(event.toAgentId) || "another agent" : event.queue;
      this.update({ transferred: true, transferredTo: to || null });
    } else {
      this.update({ status: event.status, endedByRole: event.endedByRole ?? this.session.endedByRole });
    }
  }

  agentInput(event) {
    this.composer.suggest(event.text || "", !!event.setAtCursor);
    this.say("A suggested reply is in the message box: edit it, then send.");
  }

  flowScreen(interview) {
    this.flowPanel.show(interview);
    this.casePanel.reload(); // the flow may have written to the Case
  }

  fileReceived(event) {
    if (event.recordId && event.recordId === this.session.caseId) {
      this.casePanel.loadAttachments();
      this.say(`File received on the Case: ${(event.attachments || []).map((a) => a.name).join(", ")}.`);
    }
  }

  destroy() {
    this.files.release();
    clearTimeout(this.typingTimer);
    this.element.remove();
  }
}

/** The session's state in a few words: "Active", "Ended by the customer", "Transferred to Billing". */
function statusLabel(s) {
  if (s.transferred) return s.transferredTo ? `Transferred to ${s.transferredTo}` : "Transferred";
  if (s.status === "Ended") return s.endedByRole ? `Ended by ${endedBy(s.endedByRole)}` : "Ended";
  return s.status || "Reading…";
}
