// A conversation's transcript in a workspace: the entries of its earlier sessions folded behind
// an "Earlier sessions" disclosure, the current session's in a log that screen readers follow,
// live entries added once each (by their identifier), and the customer's delivery and read
// receipts shown on the agent's messages. Messages are always text; only http(s) addresses
// become links (links.js).
import { el } from "./dom.js";
import { linkified } from "./links.js";
import { serverNow } from "./clock.js";

const ENDED_BY = { Agent: "the agent", EndUser: "the customer", System: "the system" };

function time(ms) {
  if (!Number.isFinite(ms)) return "";
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export class Transcript {
  /** customerName: () => string; files: FileShelf; onError(error) */
  constructor({ label, customerName, files, onError }) {
    this.customerName = customerName;
    this.files = files;
    this.onError = onError;
    this.seen = new Map(); // identifier → its element (messages) or true
    this.receipts = new Map(); // message identifier → "Delivered" | "Read"
    this.element = el("div", { class: "transcript", role: "log", "aria-label": label, tabindex: "0" });
    this.earlier = null;
    this.atEnd = true; // following the newest entries (until the agent scrolls up)
    this.element.addEventListener("scroll", () => { this.atEnd = this.nearEnd(); });
  }

  /** The whole transcript (GET /api/v1/sessions/{id}), oldest first. */
  load(entries, currentSessionId) {
    this.element.replaceChildren();
    this.seen.clear();
    this.earlier = null;
    const old = entries.filter((e) => e.sessionId && e.sessionId !== currentSessionId);
    if (old.length) {
      const sessions = new Set(old.map((e) => e.sessionId)).size;
      const body = el("div");
      this.earlier = el("details", { class: "earlier" },
        el("summary", {}, `Earlier sessions (${sessions})`), body);
      this.element.append(this.earlier);
      old.forEach((entry) => this.render(entry, body));
    }
    entries.filter((e) => !old.includes(e)).forEach((entry) => this.render(entry, this.element));
    this.scrollToEnd();
  }

  /** A live entry; true when it is a new message from the customer. */
  add(entry) {
    const fresh = !this.seen.has(entry.identifier);
    this.render(entry, this.element);
    if (this.atEnd) this.scrollToEnd();
    return fresh && entry.entryType === "Message" && entry.sender?.role === "EndUser";
  }

  /** The agent's message (with the files she sent), shown at once when the server took it
   *  (the stream confirms it). */
  sent(entryId, text, senderName, attachments = []) {
    if (!entryId || this.seen.has(entryId)) return;
    const staticContent = attachments.length
      ? { formatType: "Attachments", text, attachments }
      : { formatType: "Text", text };
    this.render({
      identifier: entryId, entryType: "Message", senderDisplayName: senderName,
      sender: { role: "Agent" }, transcriptedTimestamp: serverNow(),
      entryPayload: { abstractMessage: { messageType: "StaticContentMessage", staticContent } },
    }, this.element);
    this.scrollToEnd();
  }

  scrollToEnd() {
    this.element.scrollTop = this.element.scrollHeight;
    this.atEnd = true;
  }

  nearEnd() {
    return this.element.scrollHeight - this.element.scrollTop - this.element.clientHeight < 80;
  }

  render(entry, into) {
    const type = entry.entryType;
    if (type === "DeliveryAcknowledgement" || type === "ReadAcknowledgement") {
      this.receipt(entry, type === "ReadAcknowledgement" ? "Read" : "Delivered");
      return;
    }
    if (!entry.identifier || this.seen.has(entry.identifier)) return;
    const node = this.node(entry);
    this.seen.set(entry.identifier, node || true);
    if (node) into.append(node);
  }

  node(entry) {
    const payload = entry.entryPayload || {};
    switch (entry.entryType) {
      case "Message":
        return this.message(entry, payload.abstractMessage || {});
      case "ParticipantChanged":
        return note((payload.entries || []).map((p) =>
          `${p.displayName || "Someone"} ${p.operation === "remove" ? "left" : "joined"} the chat.`).join(" "));
      case "RoutingResult":
        return payload.failureType && payload.failureType !== "None"
          ? note(`Not routed (${payload.failureType}).`)
          : note(payload.queue ? `Waiting in the ${payload.queue} queue.` : "Waiting for an agent.");
      case "SessionStatusChanged":
        return note(statusSentence(payload.sessionStatus, payload.sessionEndedByRole));
      case "RoutingWorkResult":
        return payload.workType && payload.workType !== "Accepted" ? note(`Routing: ${payload.workType}.`) : null;
      default:
        return null; // typing indicators and other signals are not transcript lines
    }
  }

  message(entry, message) {
    const role = entry.sender?.role;
    const mine = role === "Agent";
    const who = role === "EndUser" ? this.customerName() : entry.senderDisplayName || role || "";
    const content = message.staticContent || {};
    const box = el("div", { class: `entry ${mine ? "agent" : role === "EndUser" ? "customer" : "system"}`,
      "data-id": entry.identifier });
    box.append(el("p", { class: "who" }, el("span", {}, who), el("span", {}, time(entry.transcriptedTimestamp))));
    let text = content.text || "";
    if (message.messageType === "FormMessage" && message.flow) {
      const title = message.flow.screen?.title || message.flow.flowName || "a form";
      box.append(el("p", { class: "text form" }, `Form in the chat: ${title}`));
      text = "";
    } else if (message.messageType === "FormResponseMessage") {
      box.append(el("p", { class: "text form" }, "Answered the form:"));
    }
    if (text) box.append(el("p", { class: "text" }, linkified(text)));
    if (message.fileRequest) box.append(el("p", { class: "reason" }, "Asked the customer for a file."));
    const attachments = content.attachments || [];
    if (attachments.length) {
      const files = el("div", { class: "files" });
      attachments.forEach((a) => files.append(this.files.item(a, this.onError)));
      files.querySelectorAll("img").forEach((img) => img.addEventListener("load", () => {
        if (this.atEnd) this.scrollToEnd(); // a preview grew the transcript
      }));
      box.append(files);
    }
    if (mine) {
      const receipt = el("p", { class: "receipt" }, this.receipts.get(entry.identifier) || "");
      box.append(receipt);
    }
    return box;
  }

  receipt(entry, kind) {
    const target = entry.entryPayload?.acknowledgedConversationEntryIdentifier;
    if (!target) return;
    if (this.receipts.get(target) === "Read") return; // read stays read
    this.receipts.set(target, kind);
    const node = this.seen.get(target);
    const line = node instanceof Element ? node.querySelector(".receipt") : null;
    if (line) line.textContent = kind;
  }
}

function note(text) {
  return el("p", { class: "event" }, text);
}

/** "Chat ended by the customer.", "Session is Active." */
function statusSentence(status, endedByRole) {
  if (status === "Ended") return endedByRole ? `Chat ended by ${endedBy(endedByRole)}.` : "Chat ended.";
  return `Session is ${status}.`;
}

/** "the customer", "the agent", "the system". */
export function endedBy(role) {
  return ENDED_BY[role] || role;
}
