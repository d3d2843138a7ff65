// Quick texts (the org file's canned responses, GET /api/v1/sessions/{id}/quick-texts, their
// merge fields already filled for the session's customer): typing "/" at the start of the
// message or after a space opens a searchable list above the box (the combobox pattern: a
// search field that owns a listbox popup; ↑ ↓ move, Enter inserts, Escape closes). The chosen
// text replaces the "/" in the message box, for the agent to edit before sending.
import { api } from "./api.js";
import { el, uniqueId } from "./dom.js";

const SHOWN_AT_MOST = 50;

export class QuickTexts {
  /** box: the message <textarea>; onInserted(): the box changed (typing indicator) */
  constructor({ sessionId, box, onInserted }) {
    this.sessionId = sessionId;
    this.box = box;
    this.onInserted = onInserted;
    this.texts = null; // read once, when first opened
    this.shown = [];
    this.active = -1;
    this.slashAt = null; // where the "/" that opened the list is in the box (null: a button)
    const listId = uniqueId("quick-texts");
    const statusId = uniqueId("quick-texts-status");
    this.search = el("input", {
      id: uniqueId("quick-search"), type: "text", role: "combobox", "aria-expanded": "false", "aria-controls": listId,
      "aria-autocomplete": "list", "aria-describedby": statusId, autocomplete: "off", spellcheck: "false",
    });
    this.list = el("ul", { id: listId, role: "listbox", "aria-label": "Quick texts", class: "quick-list", hidden: true });
    this.status = el("p", { id: statusId, class: "reason", role: "status" });
    const label = el("label", { for: this.search.id }, "Search quick texts");
    this.element = el("div", { class: "quick-texts", hidden: true },
      label, this.search, this.list, this.status,
      el("p", { class: "reason keys" }, "↑ ↓ choose, Enter inserts, Escape closes."));
    this.search.addEventListener("input", () => this.filter());
    this.search.addEventListener("keydown", (event) => this.keys(event));
    this.element.addEventListener("focusout", (event) => {
      if (!this.element.contains(event.relatedTarget)) this.close({ restore: true, focus: false });
    });
    // A click on an option inserts it; the search field keeps the focus meanwhile.
    this.list.addEventListener("mousedown", (event) => event.preventDefault());
    this.list.addEventListener("click", (event) => {
      const option = event.target.closest('[role="option"]');
      if (option) this.insert(Number(option.dataset.index));
    });
  }

  get isOpen() {
    return !this.element.hidden;
  }

  /** Opens the list; `slashAt`: the position of the "/" typed in the box (it is replaced). */
  async open(slashAt = null) {
    this.slashAt = slashAt;
    this.search.value = "";
    this.element.hidden = false;
    this.search.focus();
    if (!this.texts) {
      this.status.textContent = "Reading the quick texts…";
      try {
        const { quickTexts } = await api(`/api/v1/sessions/${this.sessionId}/quick-texts`);
        this.texts = quickTexts;
      } catch (error) {
        this.status.textContent = `The quick texts could not be read: ${error.message}`;
        return;
      }
    }
    if (this.isOpen) this.filter();
  }

  /** Closes the list. `restore`: what was typed in the search goes back into the box after the
   *  "/", so nothing typed is lost; `focus`: the box gets the focus back. */
  close({ restore = false, focus = true } = {}) {
    if (!this.isOpen) return;
    const typed = this.search.value;
    this.element.hidden = true;
    this.search.setAttribute("aria-expanded", "false");
    this.search.removeAttribute("aria-activedescendant");
    this.list.replaceChildren();
    this.list.hidden = true;
    if (restore && typed && this.slashAt !== null) this.place(this.slashAt + 1, this.slashAt + 1, typed);
    if (focus) this.box.focus();
  }

  filter() {
    if (!this.texts) return;
    const query = this.search.value.trim().toLowerCase();
    const matches = (t) => !query || [t.label, t.name, t.text].some((v) => (v || "").toLowerCase().includes(query));
    const starts = (t) => (t.label || t.name).toLowerCase().startsWith(query);
    this.shown = this.texts.filter(matches)
      .sort((a, b) => Number(starts(b)) - Number(starts(a)))
      .slice(0, SHOWN_AT_MOST);
    this.list.replaceChildren(...this.shown.map((t, index) => el("li", {
      role: "option", id: uniqueId("quick-text"), "aria-selected": "false", "data-index": String(index),
    }, el("span", { class: "quick-name" }, t.label || t.name), " ", el("span", { class: "quick-preview" }, t.text))));
    const any = this.shown.length > 0;
    this.list.hidden = !any;
    this.search.setAttribute("aria-expanded", String(any));
    if (!this.texts.length) this.status.textContent = "There are no quick texts for this chat.";
    else if (!any) this.status.textContent = `No quick text matches “${this.search.value.trim()}”.`;
    else this.status.textContent = `${this.shown.length} quick ${this.shown.length === 1 ? "text" : "texts"}.`;
    this.choose(any ? 0 : -1);
  }

  choose(index) {
    const options = [...this.list.children];
    this.active = index;
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    if (index < 0) {
      this.search.removeAttribute("aria-activedescendant");
      return;
    }
    this.search.setAttribute("aria-activedescendant", options[index].id);
    options[index].scrollIntoView({ block: "nearest" });
  }

  keys(event) {
    const count = this.shown.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (count) this.choose((this.active + (event.key === "ArrowDown" ? 1 : count - 1)) % count);
    } else if (event.key === "Home" && count && event.ctrlKey) {
      event.preventDefault();
      this.choose(0);
    } else if (event.key === "End" && count && event.ctrlKey) {
      event.preventDefault();
      this.choose(count - 1);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (this.active >= 0) this.insert(this.active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation(); // not the dialog's or the page's Escape
      this.close({ restore: true });
    } else if (event.key === "Backspace" && !this.search.value) {
      event.preventDefault(); // the "/" goes too
      if (this.slashAt !== null) this.place(this.slashAt, this.slashAt + 1, "");
      this.slashAt = null;
      this.close();
    }
  }

  /** The chosen text goes into the box in place of the "/" (or at the cursor). */
  insert(index) {
    const chosen = this.shown[index];
    if (!chosen) return;
    const box = this.box;
    const start = this.slashAt ?? box.selectionStart ?? box.value.length;
    const end = this.slashAt !== null ? this.slashAt + 1 : box.selectionEnd ?? start;
    this.search.value = "";
    this.slashAt = null;
    this.close();
    this.place(start, end, chosen.text);
    this.onInserted();
  }

  place(start, end, text) {
    const box = this.box;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.selectionStart = box.selectionEnd = start + text.length;
  }
}

/** Whether the "/" just typed in `box` (at `at`) starts a quick text: at the start of the
 *  message or after a space or a line break, not inside a word or an address. */
export function opensQuickTexts(box, at) {
  return box.value[at] === "/" && (at === 0 || /\s/.test(box.value[at - 1]));
}
