// A flow beside the chat: launched from the session's Case (its id as the `recordId` input),
// its screens shown as they come, live from FlowScreen events (the co-work scenario: the
// customer's answer appears here as soon as she publishes it), and a screen with inputs
// answered from here (POST /api/v1/interviews/{id}/next). After a reload the panel shows the
// newest interview of the agent about the session again, where it stands.
import { api } from "./api.js";
import { el, field, uniqueId } from "./dom.js";
import { orgFlows } from "./flowlist.js";
import { whyNotLaunchFlow } from "./rules.js";

const STATUS = {
  waiting: "Waiting for the customer's answer…",
  finished: "The flow has finished.",
  failed: "The flow stopped with an error.",
};

export class FlowPanel {
  /** state() → {session, me}; onStarted(interviewId) */
  constructor({ state, onError, onStarted }) {
    this.state = state;
    this.onError = onError;
    this.onStarted = onStarted;
    this.interviewId = null;
    this.labels = new Map();
    const title = uniqueId("flow-title");
    this.select = el("select", {});
    this.launch = el("button", { type: "button" }, "Launch flow");
    this.reason = el("p", { class: "reason", id: uniqueId("flow-reason") });
    this.launcher = el("div", { class: "row" }, field("Flow to launch", this.select), this.launch);
    this.view = el("div", { class: "flow-view", "aria-live": "polite" });
    this.element = el("section", { class: "flow-panel", "aria-labelledby": title },
      el("h3", { id: title }, "Flow"), this.launcher, this.reason, this.view);
    this.launch.addEventListener("click", () => this.start());
    this.fill();
  }

  async fill() {
    let flows = [];
    try {
      flows = await orgFlows();
    } catch (error) {
      this.listError = `The flows could not be listed: ${error.message}`;
      this.refresh();
      return;
    }
    this.flows = new Map(flows.map((f) => [f.name, f]));
    flows.forEach((f) => this.labels.set(f.name, f.label || f.name));
    this.select.replaceChildren(...flows.map((f) => el("option", { value: f.name },
      f.audience === "customer" ? `${f.label || f.name} (in the customer's chat)` : f.label || f.name)));
    this.refresh();
    const heading = this.view.querySelector("h4");
    if (heading && this.shownFlow) heading.textContent = this.labels.get(this.shownFlow) || this.shownFlow;
  }

  refresh() {
    const { session, me } = this.state();
    const why = whyNotLaunchFlow(session, me) || this.listError ||
      (!this.flows ? "Reading the flows…" : !this.flows.size ? "The org has no flows." : null);
    this.launch.setAttribute("aria-disabled", why ? "true" : "false");
    if (why) this.launch.setAttribute("aria-describedby", this.reason.id);
    else this.launch.removeAttribute("aria-describedby");
    this.reason.textContent = why || "";
  }

  async start() {
    if (this.launch.getAttribute("aria-disabled") === "true") return;
    const name = this.select.value;
    this.launch.setAttribute("aria-disabled", "true");
    try {
      const flow = this.flows?.get(name);
      const { session } = this.state();
      if (flow?.audience === "customer") { // the customer answers it in the chat
        await api(`/api/v1/sessions/${session.id}/actions`, {
          method: "POST", json: { actionType: "launchFlow", flowName: name, recordId: session.caseId },
        });
        this.view.replaceChildren(el("p", { class: "state" }, `Sent to the customer's chat: ${this.labels.get(name)}.`));
        return;
      }
      const takes = flow?.inputs || ["recordId"];
      const inputs = takes.includes("recordId") ? { recordId: session.caseId } : {};
      const interview = await api(`/api/v1/flows/${encodeURIComponent(name)}/interviews`, {
        method: "POST", json: { inputs },
      });
      this.onStarted(interview.id);
      this.show(interview);
    } catch (error) {
      this.onError(error);
    } finally {
      this.refresh();
    }
  }

  /** After a reload: the newest of her interviews about this session (or its Case), as it
   *  stands (GET /api/v1/sessions/{id}/interviews). */
  async restore(sessionId) {
    let interviews = [];
    try {
      ({ interviews } = await api(`/api/v1/sessions/${sessionId}/interviews`));
    } catch {
      return; // the panel stays as it is; launching still works
    }
    const latest = interviews[0];
    if (!latest || this.interviewId) return; // none, or one started meanwhile
    this.onStarted(latest.id);
    this.show(latest);
  }

  /** An interview as the API shows it (start, next, or a FlowScreen event). */
  show(interview) {
    this.interviewId = interview.id;
    this.shownFlow = interview.flow;
    const label = this.labels.get(interview.flow) || interview.flow;
    const parts = [el("h4", {}, label)];
    if (interview.status === "screen" && interview.screen) {
      parts.push(this.screen(interview));
    } else {
      let state = STATUS[interview.status] || interview.status;
      if (interview.status === "failed" && interview.error) state = `${state} ${interview.error}`;
      parts.push(el("p", { class: "state" }, state));
    }
    this.view.replaceChildren(...parts);
  }

  screen(interview) {
    const screen = interview.screen;
    const form = el("form", { class: "screen", "aria-label": screen.title || "Flow screen" });
    if (screen.title) form.append(el("p", { class: "display" }, el("strong", {}, screen.title)));
    const inputs = [];
    for (const field of screen.fields || []) {
      if (field.type === "display") {
        form.append(el("p", { class: "display" }, field.text || field.label || ""));
      } else if (field.type === "image") {
        form.append(image(field));
      } else if (field.type === "choice") {
        const group = el("fieldset", {}, el("legend", {}, field.label + (field.required ? " (required)" : "")));
        (field.choices || []).forEach((choice) => {
          const radio = el("input", { type: "radio", name: `${interview.id}-${field.name}`, value: choice });
          group.append(el("label", { class: "choice" }, radio, choice));
        });
        inputs.push({ field, read: () => group.querySelector("input:checked")?.value ?? null });
        form.append(group);
      } else {
        const input = el("input", {
          type: field.type === "number" ? "number" : field.type === "email" ? "email" : "text",
          required: field.required,
        });
        inputs.push({ field, read: () => (input.value === "" ? null : field.type === "number" ? Number(input.value) : input.value) });
        form.append(el("label", {}, field.label || field.name, input));
      }
    }
    const error = el("p", { class: "error", role: "alert" });
    const last = screen.final && !inputs.length;
    form.append(error, el("div", { class: "row" }, el("button", { type: "submit", class: "primary" }, last ? "Finish" : "Next")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const values = {};
      for (const { field, read } of inputs) {
        const value = read();
        if (value === null && field.required) {
          error.textContent = `Please fill in ${field.label || field.name}.`;
          return;
        }
        if (value !== null) values[field.name] = value;
      }
      try {
        this.show(await api(`/api/v1/interviews/${interview.id}/next`, { method: "POST", json: { values } }));
      } catch (refusal) {
        error.textContent = refusal.message;
      }
    });
    return form;
  }
}

/** An image field: shown when it comes from this server (the page loads nothing from elsewhere),
 *  otherwise its address as text. */
function image(field) {
  const src = field.text || "";
  try {
    const where = new URL(src, location.href);
    if (where.origin === location.origin || where.protocol === "data:") {
      return el("img", { src: where.href, alt: field.label || "" });
    }
  } catch {
    /* not an address */
  }
  return el("p", { class: "display" }, `${field.label || "Image"}: ${src}`);
}
