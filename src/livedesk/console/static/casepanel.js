// The Case linked to a session: "Create Case" (from the pre-chat) when there is none; its fields
// shown, the editable ones in a form (PATCH sends only what changed); its attachments (files the
// customer uploaded when asked), refreshed when a FileReceived event names this Case.
import { api } from "./api.js";
import { el, field, uniqueId } from "./dom.js";
import { labelOf } from "./people.js";
import { whyNotCreateCase } from "./rules.js";

const EDITABLE = {
  Subject: { kind: "input" },
  Status: { kind: "select", choices: ["New", "Working", "Escalated", "Closed"] },
  Priority: { kind: "select", choices: ["", "Low", "Medium", "High"] },
  Description: { kind: "textarea" },
};
const HIDDEN = new Set(["ConversationId", "SessionId"]); // the chat itself: nothing to read there

export class CasePanel {
  /** state() → {session, me}; onLinked(session) after creating; onSaid(sentence) */
  constructor({ state, files, onError, onLinked, onSaid }) {
    this.state = state;
    this.files = files;
    this.onError = onError;
    this.onLinked = onLinked;
    this.onSaid = onSaid;
    this.caseId = null;
    this.createWhy = undefined;
    this.record = null;
    const title = uniqueId("case-title");
    this.body = el("div", { class: "case-body" });
    this.attachments = el("ul", { class: "attachments-list", "aria-label": "Case attachments" });
    this.attachmentsBox = el("div", { hidden: true },
      el("h4", {}, "Attachments"), this.attachments);
    this.element = el("section", { class: "case-panel", "aria-labelledby": title },
      el("h3", { id: title }, "Case"), this.body, this.attachmentsBox);
  }

  /** Shows the session's Case (loading it when it changed) or the way to create one. */
  async refresh() {
    const { session, me } = this.state();
    if (!session.caseId) {
      const why = whyNotCreateCase(session, me);
      if (this.caseId === null && this.createWhy === why) return; // shown as it is
      this.caseId = null;
      this.createWhy = why;
      this.showCreate(why);
      return;
    }
    if (this.caseId === session.caseId) return; // shown (or being loaded) already
    this.caseId = session.caseId;
    this.record = null;
    await this.load();
  }

  showCreate(why) {
    const button = el("button", { type: "button", class: "primary", "aria-disabled": why ? "true" : "false" }, "Create Case");
    const reasonId = uniqueId("case-reason");
    if (why) button.setAttribute("aria-describedby", reasonId);
    button.addEventListener("click", () => { if (!why) this.create(button); });
    this.body.replaceChildren(el("p", { class: "quiet" }, "No Case is linked to this chat."), button,
      why ? el("p", { class: "reason", id: reasonId }, why) : "");
    this.attachmentsBox.hidden = true;
  }

  async create(button) {
    button.setAttribute("aria-disabled", "true");
    try {
      const session = await api(`/api/v1/sessions/${this.state().session.id}/case`, { method: "POST" });
      this.onLinked(session);
      this.onSaid("Case created.");
    } catch (error) {
      button.setAttribute("aria-disabled", "false");
      this.onError(error);
    }
  }

  async load() {
    try {
      this.record = await api(`/api/v1/records/Case/${encodeURIComponent(this.caseId)}`);
    } catch (error) {
      this.body.replaceChildren(el("p", { class: "error" }, error.message));
      return;
    }
    this.showRecord();
    await this.loadAttachments();
  }

  showRecord() {
    const fields = this.record.fields || {};
    const inputs = {};
    const form = el("form", { class: "case-form", "aria-label": "Case fields" });
    for (const [name, spec] of Object.entries(EDITABLE)) {
      const value = fields[name] ?? "";
      let input;
      if (spec.kind === "select") {
        const choices = spec.choices.includes(value) ? spec.choices : [...spec.choices, value];
        input = el("select", {}, choices.map((c) => el("option", { value: c, selected: c === value }, c || "—")));
      } else if (spec.kind === "textarea") {
        input = el("textarea", { rows: "3" });
        input.value = value;
      } else {
        input = el("input", { type: "text", value });
      }
      inputs[name] = input;
      form.append(field(labelOf(name), input));
    }
    const save = el("button", { type: "submit" }, "Save Case");
    form.append(el("div", { class: "row" }, save));
    form.addEventListener("submit", (event) => { event.preventDefault(); this.save(inputs); });
    const facts = el("dl", { class: "facts" });
    for (const [name, value] of Object.entries(fields)) {
      if (HIDDEN.has(name) || value === null || value === "") continue;
      facts.append(el("dt", {}, labelOf(name)), el("dd", {}, String(value)));
    }
    const open = this.body.querySelector("details.edit")?.open || false;
    this.body.replaceChildren(facts, el("details", { class: "edit", open }, el("summary", {}, "Edit the Case"), form));
  }

  async save(inputs) {
    const fields = this.record.fields || {};
    const changed = {};
    for (const [name, input] of Object.entries(inputs)) {
      if (input.value !== (fields[name] ?? "")) changed[name] = input.value === "" ? null : input.value;
    }
    if (!Object.keys(changed).length) {
      this.onSaid("Nothing changed on the Case.");
      return;
    }
    try {
      this.record = await api(`/api/v1/records/Case/${encodeURIComponent(this.caseId)}`, {
        method: "PATCH", json: changed,
      });
      this.showRecord();
      this.onSaid("Case saved.");
    } catch (error) {
      this.onError(error);
    }
  }

  /** The Case's fields again (a flow may have written to it). */
  async reload() {
    if (this.caseId) await this.load();
  }

  async loadAttachments() {
    if (!this.caseId) return;
    try {
      const { attachments } = await api(`/api/v1/records/Case/${encodeURIComponent(this.caseId)}/attachments`);
      this.attachments.replaceChildren(...attachments.map((a) => el("li", {}, this.files.item(a, this.onError))));
      this.attachmentsBox.hidden = false;
      if (!attachments.length) this.attachments.append(el("li", { class: "quiet" }, "No files yet."));
    } catch (error) {
      this.onError(error);
    }
  }
}
