// The Conversation Toolkit of a workspace, as buttons: End chat, Mark inactive, Request a file
// (for the linked Case) and Transfer (to a queue, chosen in a dialog). A button the session
// does not allow stays focusable but inert (aria-disabled), with the reason written under it.
import { api } from "./api.js";
import { el, field, uniqueId } from "./dom.js";
import * as rules from "./rules.js";

export class Toolkit {
  /** act(body) → Promise; state() → {session, me} */
  constructor({ act, state, onError, onDone }) {
    this.act = act;
    this.state = state;
    this.onError = onError;
    this.onDone = onDone;
    this.reasonsId = uniqueId("toolkit-reasons");
    this.reasons = el("ul", { class: "toolkit-reasons reason", id: this.reasonsId });
    this.buttons = [
      this.button("End chat", "danger", rules.whyNotEnd, () => this.run({ actionType: "endChat" }, "Chat ended.")),
      this.button("Mark inactive", "", rules.whyNotMarkInactive,
        () => this.run({ actionType: "markInactive" }, "Marked inactive.")),
      this.button("Request a file", "", rules.whyNotRequestFile, () => this.run({
        actionType: "initFileTransfer", recordId: this.state().session.caseId, // the server's words
      }, "File requested.")),
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

  /** The transfer dialog: the org's queues with their waiting and online counts. */
  async transfer() {
    const dialog = document.getElementById("transfer");
    let queues;
    try {
      queues = (await api("/api/v1/queues")).queues;
    } catch (error) {
      this.onError(error);
      return;
    }
    const { session } = this.state();
    const select = el("select", { required: true },
      queues.map((q) => el("option", { value: q.name, selected: q.name === session.queue && queues.length === 1 },
        `${q.name} — ${q.waiting} waiting, ${q.agentsOnline} online`)));
    const error = el("p", { class: "error", role: "alert" });
    const cancel = el("button", { type: "button" }, "Cancel");
    const form = el("form", { method: "dialog" },
      el("h2", { id: "transfer-title" }, "Transfer the chat"),
      el("p", {}, "The chat waits in the queue you choose; its transcript goes with it."),
      field("Queue", select), error,
      el("div", { class: "buttons" }, cancel, el("button", { type: "submit", class: "primary" }, "Transfer")));
    dialog.replaceChildren(form);
    cancel.addEventListener("click", () => dialog.close());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await this.act({ actionType: "transfer", queue: select.value });
        dialog.close();
        this.onDone(`Transferred to ${select.value}.`);
      } catch (refusal) {
        error.textContent = refusal.message;
      }
    });
    dialog.showModal();
    select.focus();
  }
}
