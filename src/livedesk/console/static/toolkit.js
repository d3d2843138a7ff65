// The Conversation Toolkit of a workspace, as buttons: End chat, Mark inactive, Request a file
// (for the linked Case), Ask a question (a messaging component, chosen in a dialog) and Transfer
// (to a queue or a colleague, chosen in a dialog). A button
// the session does not allow stays focusable but inert (aria-disabled), with the reason written
// under it.
import { api } from "./api.js";
import { el, uniqueId } from "./dom.js";
import * as rules from "./rules.js";

export class Toolkit {
  /** act(body) → Promise; state() → {session, me} */
  constructor({ act, state, onError, onDone }) {
    this.act = act;
    this.state = state;
    this.onError = onError;
    this.onDone = onDone;
    this.names = new Map(); // agent id → name (the colleagues the transfer dialog listed)
    this.reasonsId = uniqueId("toolkit-reasons");
    this.reasons = el("ul", { class: "toolkit-reasons reason", id: this.reasonsId });
    this.buttons = [
      this.button("End chat", "danger", rules.whyNotEnd, () => this.run({ actionType: "endChat" }, "Chat ended.")),
      this.button("Mark inactive", "", rules.whyNotMarkInactive,
        () => this.run({ actionType: "markInactive" }, "Marked inactive.")),
      this.button("Request a file", "", rules.whyNotRequestFile, () => this.run({
        actionType: "initFileTransfer", recordId: this.state().session.caseId, // the server's words
      }, "File requested.")),
      this.button("Ask a question", "", rules.whyNotSendComponent, () => this.ask()),
      this.button("Transfer", "", rules.whyNotTransfer, () => this.transfer()),
    ];
    this.element = el("div", {},
      el("div", { class: "toolkit", role: "toolbar", "aria-label": "Conversation actions" },
        this.buttons.map((b) => b.node)),
      this.reasons);
  }

  button(label, kind, why, run) {
    const node = el("button", { type: "button", class: kind || null }, label);
    const entry = { node, label, why, run };
    node.addEventListener("click", () => {
      if (node.getAttribute("aria-disabled") === "true" || node.dataset.busy) return;
      node.dataset.busy = "1";
      Promise.resolve(run()).finally(() => { delete node.dataset.busy; });
    });
    return entry;
  }

  /** The buttons as the session allows them now. */
  refresh() {
    const { session, me } = this.state();
    this.reasons.replaceChildren();
    const said = new Set();
    for (const b of this.buttons) {
      const why = b.why(session, me);
      b.node.setAttribute("aria-disabled", why ? "true" : "false");
      if (why) {
        b.node.setAttribute("aria-describedby", this.reasonsId);
        if (!said.has(why)) this.reasons.append(el("li", {}, why));
        said.add(why);
      } else {
        b.node.removeAttribute("aria-describedby");
      }
    }
  }

  async run(body, done) {
    try {
      await this.act(body);
      this.onDone(done);
    } catch (error) {
      this.onError(error);
    }
  }

  /** The question dialog: the org's messaging components as this customer would read them
   *  (GET /api/v1/sessions/{id}/components); the one chosen is sent (sendComponent). */
  async ask() {
    const dialog = document.getElementById("question");
    const { session } = this.state();
    let components;
    try {
      ({ components } = await api(`/api/v1/sessions/${session.id}/components`));
    } catch (error) {
      this.onError(error);
      return;
    }
    const choices = components.map((c) => el("input", { type: "radio", name: "component", value: c.name }));
    const error = el("p", { class: "error", role: "alert" });
    const cancel = el("button", { type: "button" }, "Cancel");
    const form = el("form", { method: "dialog", class: "question-form" },
      el("h2", { id: "question-title" }, "Ask a question"),
      components.length ? el("fieldset", {}, el("legend", {}, "Question"),
        components.map((c, i) => el("div", { class: "choice" },
          el("label", {}, choices[i], el("span", { class: "target" }, c.name.replace(/_/g, " "))),
          el("pre", { class: "preview" }, c.text))))
        : el("p", { class: "quiet" }, "The org file declares no messaging components."),
      error,
      el("div", { class: "buttons" }, cancel, el("button", { type: "submit", class: "primary" }, "Send")));
    dialog.replaceChildren(form);
    cancel.addEventListener("click", () => dialog.close());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const chosen = choices.find((c) => c.checked);
      if (!chosen) {
        error.textContent = "Choose a question.";
        (choices[0] || cancel).focus();
        return;
      }
      try {
        await this.act({ actionType: "sendComponent", component: chosen.value });
        dialog.close();
        this.onDone("Question sent.");
      } catch (refusal) {
        error.textContent = refusal.message;
      }
    });
    dialog.showModal();
    (choices[0] || cancel).focus();
  }

  /** A colleague's name, once the transfer dialog listed her. */
  nameOf(agentId) {
    return this.names.get(agentId) || null;
  }

  /** The transfer dialog: the org's queues (waiting, agents online) and the colleagues who take
   *  chats (GET /api/v1/agents): only an Online one with free capacity can be chosen; the
   *  others are listed, disabled, with the reason. */
  async transfer() {
    const dialog = document.getElementById("transfer");
    let queues;
    let agents;
    try {
      [{ queues }, { agents }] = await Promise.all([api("/api/v1/queues"), api("/api/v1/agents")]);
    } catch (error) {
      this.onError(error);
      return;
    }
    const { session, me } = this.state();
    agents = agents.filter((a) => a.id !== me.id);
    agents.forEach((a) => this.names.set(a.id, a.displayName));
    const choices = [];
    const radio = (value, label, detail, why) => {
      const input = el("input", { type: "radio", name: "transfer-target", value, disabled: !!why });
      const detailId = uniqueId("transfer-detail");
      input.setAttribute("aria-describedby", detailId);
      choices.push(input);
      return el("div", { class: `choice${why ? " unavailable" : ""}` },
        el("label", {}, input, el("span", { class: "target" }, label)),
        el("span", { class: "reason", id: detailId }, why || detail));
    };
    const queueList = el("fieldset", {}, el("legend", {}, "A queue"),
      queues.map((q) => radio(`queue:${q.name}`, q.name,
        `${q.waiting} waiting, ${q.agentsOnline} online${q.name === session.queue ? " (this chat's queue)" : ""}`)));
    const agentList = el("fieldset", {}, el("legend", {}, "An agent"),
      agents.length ? agents.map((a) => radio(`agent:${a.id}`, a.displayName,
        `Online, free capacity: ${a.freeCapacity}`, whyNotTo(a))) : el("p", { class: "quiet" }, "No colleague takes chats."));
    const error = el("p", { class: "error", role: "alert" });
    const cancel = el("button", { type: "button" }, "Cancel");
    const form = el("form", { method: "dialog", class: "transfer-form" },
      el("h2", { id: "transfer-title" }, "Transfer the chat"),
      el("p", {}, "The chat waits in the queue you choose, or is offered to the colleague you choose; its transcript goes with it."),
      el("div", { class: "targets" }, queueList, agentList), error,
      el("div", { class: "buttons" }, cancel, el("button", { type: "submit", class: "primary" }, "Transfer")));
    dialog.replaceChildren(form);
    cancel.addEventListener("click", () => dialog.close());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const chosen = choices.find((c) => c.checked);
      if (!chosen) {
        error.textContent = "Choose a queue or an agent.";
        (choices.find((c) => !c.disabled) || cancel).focus();
        return;
      }
      const [kind, target] = [chosen.value.slice(0, chosen.value.indexOf(":")), chosen.value.slice(chosen.value.indexOf(":") + 1)];
      const body = kind === "agent" ? { actionType: "transfer", agentId: target } : { actionType: "transfer", queue: target };
      const name = kind === "agent" ? this.nameOf(target) : target;
      try {
        await this.act(body);
        dialog.close();
        this.onDone(`Transferred to ${name}.`);
      } catch (refusal) {
        error.textContent = refusal.message;
      }
    });
    dialog.showModal();
    (choices.find((c) => !c.disabled) || cancel).focus();
  }
}

/** Why a colleague cannot take the chat now (null: she can). */
function whyNotTo(agent) {
  if (agent.presence !== "Online") return `${agent.presence}: not taking chats`;
  if (agent.freeCapacity <= 0) return "Online, no free capacity";
  return null;
}
