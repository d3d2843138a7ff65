// The message box of a workspace: Enter (or Ctrl+Enter) sends, Shift+Enter breaks the line; a
// suggestion from the stream (AgentInputSet) is placed in it for the agent to edit before
// sending; the agent's typing reaches the customer through the typing call, at most once a
// second, and "stopped" after a pause or once the message is sent.
import { api } from "./api.js";
import { el, field, uniqueId } from "./dom.js";

const TYPING_EVERY_MS = 1000;
const STOPPED_AFTER_MS = 3000;

export class Composer {
  /** send(text) → Promise (rejects with the server's refusal); sessionId for the typing call */
  constructor({ sessionId, send, onError }) {
    this.sessionId = sessionId;
    this.send = send;
    this.onError = onError;
    this.typingSentAt = -Infinity;
    this.typing = false;
    this.stopTimer = null;
    this.typingWorks = true;
    const hintId = uniqueId("composer-hint");
    this.box = el("textarea", { rows: "2", "aria-describedby": hintId, autocomplete: "off" });
    this.button = el("button", { type: "submit", class: "primary" }, "Send");
    this.reason = el("p", { class: "reason", id: hintId }, "Enter sends, Shift+Enter starts a new line.");
    this.form = el("form", { class: "composer", "aria-label": "Reply" },
      field("Message", this.box), this.button);
    this.element = el("div", {}, this.form, this.reason);
    this.form.addEventListener("submit", (event) => { event.preventDefault(); this.submit(); });
    this.box.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.isComposing || event.shiftKey || event.altKey) return;
      event.preventDefault();
      this.submit();
    });
    this.box.addEventListener("input", () => this.typed());
  }

  /** Whether she may write here; when not, why (shown under the box). */
  allow(allowed, why) {
    this.box.disabled = !allowed;
    this.button.disabled = !allowed;
    this.reason.textContent = allowed ? "Enter sends, Shift+Enter starts a new line." : why;
    if (!allowed) this.stopTyping();
  }

  focus() {
    this.box.focus();
  }

  /** A suggestion from the stream: replaces the text, or goes in at the cursor. */
  suggest(text, atCursor) {
    const box = this.box;
    if (atCursor) {
      const start = box.selectionStart ?? box.value.length;
      const end = box.selectionEnd ?? start;
      box.value = box.value.slice(0, start) + text + box.value.slice(end);
      box.selectionStart = box.selectionEnd = start + text.length;
    } else {
      box.value = text;
      box.selectionStart = box.selectionEnd = text.length;
    }
  }

  async submit() {
    const text = this.box.value;
    if (!text.trim() || this.box.disabled || this.sending) return;
    this.sending = true;
    this.button.disabled = true;
    try {
      await this.send(text);
      if (this.box.value === text) this.box.value = "";
      this.stopTyping();
    } catch (error) {
      this.onError(error); // the text stays in the box
    } finally {
      this.sending = false;
      this.button.disabled = this.box.disabled;
      this.box.focus();
    }
  }

  typed() {
    clearTimeout(this.stopTimer);
    if (!this.box.value) {
      this.stopTyping();
      return;
    }
    this.stopTimer = setTimeout(() => this.stopTyping(), STOPPED_AFTER_MS);
    const now = performance.now();
    if (!this.typing || now - this.typingSentAt >= TYPING_EVERY_MS * 5) this.tell(true, now);
  }

  stopTyping() {
    clearTimeout(this.stopTimer);
    if (this.typing) this.tell(false, performance.now());
  }

  tell(typing, now) {
    if (!this.typingWorks) return;
    if (now - this.typingSentAt < TYPING_EVERY_MS) { // at most one a second: say it at the end of it
      clearTimeout(this.pending);
      this.pending = setTimeout(() => this.tell(typing, performance.now()), TYPING_EVERY_MS - (now - this.typingSentAt));
      this.typing = typing;
      return;
    }
    this.typing = typing;
    this.typingSentAt = now;
    api(`/api/v1/sessions/${this.sessionId}/typing`, { method: "POST", json: { typing } }).catch((error) => {
      if (error.status === 404 && error.code === "not_found") this.typingWorks = false; // no typing call here
    });
  }
}
