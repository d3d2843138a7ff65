// The presence switch: Online (offers come), Busy and Offline (they stop; offers not yet
// answered go to someone else). PUT /api/v1/me/presence; a refused change goes back to what the
// server holds, with the server's reason.
import { api } from "./api.js";
import { el, field } from "./dom.js";

const CHOICES = ["Online", "Busy", "Offline"];

export class Presence {
  constructor({ agent, onChanged }) {
    this.onChanged = onChanged;
    this.value = agent.presence;
    this.dot = el("span", { class: "presence-dot", "aria-hidden": "true" });
    this.select = el("select", { id: "presence" });
    this.error = el("span", { class: "error", role: "alert" });
    this.element = el("span", { class: "presence" },
      this.dot, field("Presence", this.select), this.error);
    this.show(agent.presence);
    this.select.addEventListener("change", () => this.change(this.select.value));
  }

  show(value) {
    this.value = value;
    const choices = CHOICES.includes(value) ? CHOICES : [...CHOICES, value];
    this.select.replaceChildren(...choices.map((c) => el("option", { value: c, selected: c === value }, c)));
    this.select.value = value;
    this.dot.className = `presence-dot ${value}`;
  }

  async change(value) {
    this.error.textContent = "";
    this.select.disabled = true;
    try {
      const agent = await api("/api/v1/me/presence", { method: "PUT", json: { status: value } });
      this.show(agent.presence);
      this.onChanged(agent.presence);
    } catch (refusal) {
      this.show(this.value);
      this.error.textContent = `Still ${this.value}: ${refusal.message}`;
    } finally {
      this.select.disabled = false;
    }
  }
}
