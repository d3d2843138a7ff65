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
    choiceDialog(dialog, {
      className: "question-form",
      titleId: "question-title",
      title: "Ask a question",
      body: [components.length ? el("fieldset", {}, el("legend", {}, "Question"),
        components.map((c, i) => el("div", { class: "choice" },
          el("label", {}, choices[i], el("span", { class: "target" }, c.name.replace(/_/g, " "))),
          el("pre", { class: "preview" }, c.text))))
        : el("p", { class: "quiet" }, "The org file declares no messaging components.")],
      choices,
      missing: "Choose a question.",
      submit: "Send",
      choose: async (component) => {
        await this.act({ actionType: "sendComponent", component });
        return "Question sent.";
      },
      done: this.onDone,
    });
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
    choiceDialog(dialog, {
      className: "transfer-form",
      titleId: "transfer-title",
      title: "Transfer the chat",
      body: [
        el("p", {}, "The chat waits in the queue you choose, or is offered to the colleague you choose; its transcript goes with it."),
        el("div", { class: "targets" }, queueList, agentList),
      ],
      choices,
      missing: "Choose a queue or an agent.",
      submit: "Transfer",
      choose: async (value) => {
        const [kind, target] = [value.slice(0, value.indexOf(":")), value.slice(value.indexOf(":") + 1)];
        await this.act(kind === "agent" ? { actionType: "transfer", agentId: target } : { actionType: "transfer", queue: target });
        return `Transferred to ${kind === "agent" ? this.nameOf(target) : target}.`;
      },
      done: this.onDone,
    });
  }
}

/** A modal form to pick one of `choices` (radio inputs inside `body`): Cancel closes it; a
 *  choice goes to `choose`, whose refusal shows under the choices and whose sentence goes to
 *  `done` once the dialog is closed. */
function choiceDialog(dialog, { className, titleId, title, body, choices, missing, submit, choose, done }) {
  const error = el("p", { class: "error", role: "alert" });
  const cancel = el("button", { type: "button" }, "Cancel");
  const first = () => choices.find((c) => !c.disabled) || cancel;
  const form = el("form", { method: "dialog", class: className },
    el("h2", { id: titleId }, title), ...body, error,
    el("div", { class: "buttons" }, cancel, el("button", { type: "submit", class: "primary" }, submit)));
  dialog.replaceChildren(form);
  cancel.addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = choices.find((c) => c.checked);
    if (!chosen) {
      error.textContent = missing;
      first().focus();
      return;
    }
    try {
      const said = await choose(chosen.value);
      dialog.close();
      done(said);
    } catch (refusal) {
      error.textContent = refusal.message;
    }
  });
  dialog.showModal();
  first().focus();
}

/** Why a colleague cannot take the chat now (null: she can). */
function whyNotTo(agent) {
  if (agent.presence !== "Online") return `${agent.presence}: not taking chats`;
  if (agent.freeCapacity <= 0) return "Online, no free capacity";
  return null;
}
