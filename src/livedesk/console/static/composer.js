// The message box of a workspace: Enter (or Ctrl+Enter) sends, Shift+Enter breaks the line; a
// suggestion from the stream (AgentInputSet) is placed in it for the agent to edit before
// sending; "/" (or the Quick texts button) opens the quick texts (quicktexts.js); "Attach a
// file" stages a file that goes with the next send, the box's text as its caption; the agent's
// typing reaches the customer through the typing call, at most once a second, and "stopped"
// after a pause or once the message is sent.
import { api } from "./api.js";
import { el, field, uniqueId } from "./dom.js";
import { sizeText } from "./files.js";
import { QuickTexts, opensQuickTexts } from "./quicktexts.js";

const TYPING_EVERY_MS = 1000;
const STOPPED_AFTER_MS = 3000;
const HINT = "Enter sends, Shift+Enter: new line, /: quick texts.";

export class Composer {
  /** send(text) → Promise (rejects with the server's refusal); sendFile(file, text) → Promise;
   *  sessionId for the typing and quick-text calls */
  constructor({ sessionId, send, sendFile, onError }) {
    this.sessionId = sessionId;
    this.send = send;
    this.sendFile = sendFile;
    this.onError = onError;
    this.typingSentAt = -Infinity;
    this.typing = false;
    this.stopTimer = null;
    this.typingWorks = true;
    this.file = null; // the file staged for the next send
    const hintId = uniqueId("composer-hint");
    this.box = el("textarea", { rows: "2", "aria-describedby": hintId, autocomplete: "off" });
    this.button = el("button", { type: "submit", class: "primary" }, "Send");
    this.reason = el("p", { class: "reason", id: hintId }, HINT);
    this.quick = new QuickTexts({ sessionId, box: this.box, onInserted: () => this.typed() });
    this.quickButton = el("button", { type: "button", class: "small" }, "Quick texts");
    this.picker = el("input", { type: "file", hidden: true, tabindex: "-1" });
    this.attach = el("button", { type: "button", class: "small" }, "Attach a file");
    this.staged = el("span", { class: "staged", role: "status" });
    this.form = el("form", { class: "composer", "aria-label": "Reply" },
      field("Message", this.box), this.button);
    this.element = el("div", { class: "composer-area" }, this.quick.element, this.form,
      el("div", { class: "composer-tools" }, this.attach, this.picker, this.quickButton, this.staged, this.reason));
    this.form.addEventListener("submit", (event) => { event.preventDefault(); this.submit(); });
    this.box.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.isComposing || event.shiftKey || event.altKey) return;
      event.preventDefault();
      this.submit();
    });
    this.box.addEventListener("input", (event) => {
      const at = this.box.selectionStart - 1;
      if (event.inputType === "insertText" && event.data === "/" && opensQuickTexts(this.box, at)) {
        this.quick.open(at);
      }
      this.typed();
    });
    this.quickButton.addEventListener("click", () => { if (!this.box.disabled) this.quick.open(); });
    this.attach.addEventListener("click", () => { if (!this.box.disabled) this.picker.click(); });
    this.picker.addEventListener("change", () => {
      const [file] = this.picker.files;
      this.picker.value = "";
      if (file) this.stage(file);
    });
  }

  /** Whether she may write here; when not, why (shown under the box). */
  allow(allowed, why) {
    this.box.disabled = !allowed;
    this.button.disabled = !allowed;
    this.attach.disabled = !allowed;
    this.quickButton.disabled = !allowed;
    this.reason.textContent = allowed ? HINT : why;
    if (!allowed) {
      this.quiet();
      this.quick.close({ focus: false });
      this.stage(null);
    }
  }

  focus() {
    this.box.focus();
  }

  /** A file for the next send (null: none), shown under the box with a way to take it back. */
  stage(file) {
    this.file = file;
    if (!file) {
      this.staged.replaceChildren();
      return;
    }
    const remove = el("button", { type: "button", class: "link", "aria-label": `Remove ${file.name}` }, "Remove");
    remove.addEventListener("click", () => { this.stage(null); this.box.focus(); });
    this.staged.replaceChildren(el("span", {}, `File to send: ${file.name} (${sizeText(file.size)})`), " ", remove);
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
    const file = this.file;
    if ((!text.trim() && !file) || this.box.disabled || this.sending) return;
    this.sending = true;
    this.button.disabled = true;
    try {
      if (file) {
        this.staged.replaceChildren(`Sending ${file.name}…`);
        await this.sendFile(file, text.trim() ? text : "");
        if (this.file === file) this.stage(null);
      } else {
        await this.send(text);
      }
      if (this.box.value === text) this.box.value = "";
      this.stopTyping();
    } catch (error) {
      // The text stays in the box; a file the server refused goes (its reason is shown).
      if (file && this.file === file) this.stage(error.status >= 400 && error.status < 500 ? null : file);
      this.onError(error);
    } finally {
      this.sending = false;
      this.button.disabled = this.box.disabled;
      if (!this.box.disabled) this.box.focus();
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

  /** Forget the typing state without telling: she may not write here any more (the chat ended
   *  or left her), so a "stopped" would only be refused. */
  quiet() {
    clearTimeout(this.stopTimer);
    clearTimeout(this.pending);
    this.typing = false;
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
