// Incoming work: one card per offer (WorkOffered, or GET /api/v1/work after a reload) with the
// queue, the customer's name and topic, and a countdown to its push timeout, counted on the
// server's clock (clock.js); Accept and Decline. An offer taken back (WorkCancelled: timed out,
// the agent left Online, the customer left) goes with a short note saying why. While any offer
// waits, alerts.js rings and flashes the title.
import { api } from "./api.js";
import { announce } from "./announce.js";
import { forgetOffer, notifyOffer, offersWaiting } from "./alerts.js";
import { localNow, sawServerTime, serverNow } from "./clock.js";
import { el, uniqueId } from "./dom.js";
import { customerName, emailOf, topicOf } from "./people.js";

const WHY = {
  timeout: "timed out",
  presence: "was taken back: you are no longer Online",
  session_left: "was withdrawn: the customer left",
};
const NOTE_MS = 12000;

export class Offers {
  /** onAccepted(sessionId): open its workspace; onCount(n): how many offers wait now */
  constructor({ list, empty, hint, notes, onAccepted, onCount = () => {} }) {
    this.list = list;
    this.empty = empty;
    this.hint = hint;
    this.notes = notes;
    this.onAccepted = onAccepted;
    this.onCount = onCount;
    this.offers = new Map(); // workId → offer
    this.gone = new Set(); // answered or taken back: never shown again (a late restore)
    this.ticker = setInterval(() => this.tick(), 500);
  }

  /** A WorkOffered payload (or a work item with its session's routing attributes). */
  add(data, { quiet = false } = {}) {
    if (this.offers.has(data.workId) || this.gone.has(data.workId)) return;
    const attrs = data.routingAttributes || {};
    const name = customerName(attrs);
    const topic = topicOf(attrs);
    const email = emailOf(attrs);
    // The deadline on this machine's monotonic clock: the time left on the server's clock now
    // (`offeredAt` is the server's time when it made the offer).
    sawServerTime(data.offeredAt);
    const left = Number.isFinite(data.expiresAt) ? data.expiresAt - serverNow() : null;
    const offer = { ...data, name, deadline: left === null ? null : localNow() + left };
    const headingId = uniqueId("offer-name");
    offer.countdown = el("p", { class: "countdown", role: "timer" });
    offer.accept = el("button", { type: "button", class: "primary", "aria-describedby": headingId }, "Accept");
    offer.decline = el("button", { type: "button", "aria-describedby": headingId }, "Decline");
    offer.error = el("p", { class: "error", role: "alert" });
    offer.node = el("li", {}, el("article", { class: "offer", "aria-label": `Chat offer from ${name}` },
      el("h3", { id: headingId }, name),
      el("p", {}, `Queue: ${data.queue || "none"}`),
      topic ? el("p", {}, `Topic: ${topic}`) : null,
      email ? el("p", { class: "quiet" }, email) : null,
      offer.countdown,
      el("div", { class: "buttons" }, offer.accept, offer.decline),
      offer.error));
    offer.accept.addEventListener("click", () => this.answer(offer.workId, "accept"));
    offer.decline.addEventListener("click", () => this.answer(offer.workId, "decline"));
    this.offers.set(offer.workId, offer);
    this.list.append(offer.node);
    this.tick();
    this.changed();
    if (!quiet) {
      announce(`New chat offer from ${name}, ${data.queue || "no"} queue${topic ? `, about ${topic}` : ""}.`);
      notifyOffer(offer.workId, `Chat offer from ${name}`, [data.queue, topic].filter(Boolean).join(" · "),
        () => offer.accept.focus());
    }
  }

  /** Offers waiting after a reload: GET /api/v1/work's Assigned items, with their sessions'
   *  routing attributes (an agent may read a session offered to her). */
  async restore(items) {
    for (const item of items.filter((w) => w.status === "Assigned")) {
      let attrs = {};
      try {
        attrs = (await api(`/api/v1/sessions/${item.sessionId}`)).routingAttributes || {};
      } catch {
        /* shown without the name */
      }
      this.add({ ...item, routingAttributes: attrs }, { quiet: true });
    }
  }

  oldest() {
    return this.offers.values().next().value || null;
  }

  /** Accept or decline (the buttons, Alt+Shift+A, Alt+Shift+D). */
  async answer(workId, verb) {
    const offer = this.offers.get(workId);
    if (!offer || offer.busy) return;
    offer.busy = true;
    offer.accept.disabled = offer.decline.disabled = true;
    try {
      const work = await api(`/api/v1/work/${workId}/${verb}`, { method: "POST" });
      this.remove(workId);
      if (verb === "accept") this.onAccepted(work.sessionId || offer.sessionId, { focus: true });
      else this.note(`You declined the chat from ${offer.name}.`);
    } catch (error) {
      if (error.status === 404 || error.status === 409) {
        this.remove(workId);
        this.note(`The chat from ${offer.name} is no longer offered: ${error.message}`);
      } else {
        offer.busy = false;
        offer.accept.disabled = offer.decline.disabled = false;
        offer.error.textContent = error.message;
      }
    }
  }

  /** WorkCancelled: the offer goes, with a word why. */
  cancelled(event) {
    const offer = this.offers.get(event.workId);
    this.gone.add(event.workId);
    if (!offer) return;
    this.remove(event.workId);
    this.note(`The chat offer from ${offer.name} ${WHY[event.reason] || `was taken back (${event.reason})`}.`);
  }

  /** WorkAccepted (here, in another tab, or through the API): its offer card goes. */
  acceptedElsewhere(sessionId) {
    for (const offer of this.offers.values()) {
      if (offer.sessionId === sessionId) this.remove(offer.workId);
    }
  }

  remove(workId) {
    this.gone.add(workId);
    const offer = this.offers.get(workId);
    if (!offer) return;
    const hadFocus = offer.node.contains(document.activeElement);
    offer.node.remove();
    this.offers.delete(workId);
    forgetOffer(workId);
    this.changed();
    if (hadFocus) {
      const next = this.oldest();
      (next ? next.accept : document.getElementById("workspaces")).focus();
    }
  }

  /** Every offer goes (signing out). */
  clear() {
    [...this.offers.keys()].forEach((id) => this.remove(id));
    clearInterval(this.ticker);
  }

  note(text) {
    const line = el("p", {}, text);
    this.notes.append(line);
    setTimeout(() => line.remove(), NOTE_MS);
  }

  changed() {
    this.empty.hidden = this.offers.size > 0;
    this.hint.hidden = this.offers.size === 0;
    offersWaiting(this.offers.size);
    this.onCount(this.offers.size);
  }

  /** The server's clock was read again (after a reconnect): every countdown counts from it. */
  recount() {
    for (const offer of this.offers.values()) {
      if (Number.isFinite(offer.expiresAt)) offer.deadline = localNow() + (offer.expiresAt - serverNow());
    }
    this.tick();
  }

  tick() {
    const now = localNow();
    for (const offer of this.offers.values()) {
      if (offer.deadline === null) {
        offer.countdown.textContent = "";
        continue;
      }
      const seconds = Math.ceil((offer.deadline - now) / 1000);
      const text = seconds > 0 ? `Expires in ${seconds} s` : "Expiring…";
      if (offer.countdown.textContent !== text) offer.countdown.textContent = text;
      offer.countdown.classList.toggle("late", seconds <= 10);
    }
  }
}
