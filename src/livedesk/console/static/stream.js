// A stream of server-sent events read with fetch, because an EventSource cannot send the
// Authorization header: the agent stream (GET /api/v1/agent/stream) and the supervisor stream
// (GET /api/v1/supervisor/stream). Every reconnect resumes right after the last event id it got
// (Last-Event-Id), so nothing is lost or repeated; while it is away the page says
// "Reconnecting…" quietly, and it retries with a growing pause (1 s up to 15 s).
import { url } from "./api.js";
import { token } from "./token.js";

export class EventStream {
  /** onEvent(name, data, id); onState("open" | "reconnecting" | "unauthorized" | "forbidden",
   *  {resumed}); lastEventId: where to start (null: from now) */
  constructor({ path, onEvent, onState, lastEventId = null }) {
    this.path = path;
    this.onEvent = onEvent;
    this.onState = onState;
    this.lastEventId = lastEventId;
    this.running = false;
    this.controller = null;
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.loop();
  }

  stop() {
    this.running = false;
    if (this.controller) this.controller.abort();
  }

  async loop() {
    let pause = 1000;
    while (this.running) {
      this.controller = new AbortController();
      try {
        const headers = { Accept: "text/event-stream", Authorization: `Bearer ${token()}` };
        const resumed = this.lastEventId !== null;
        if (resumed) headers["Last-Event-Id"] = this.lastEventId;
        const response = await fetch(url(this.path), {
          headers, signal: this.controller.signal, cache: "no-store",
        });
        if (response.status === 401 || response.status === 403) {
          this.running = false; // no retry can change that
          this.onState(response.status === 401 ? "unauthorized" : "forbidden", {});
          return;
        }
        if (!response.ok || !response.body) throw new Error(`stream ${response.status}`);
        this.onState("open", { resumed });
        pause = 1000;
        await this.read(response.body);
      } catch (error) {
        if (!this.running) return;
        if (error.name !== "AbortError") console.debug("agent stream:", error.message);
      }
      if (!this.running) return;
      this.onState("reconnecting", {});
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 15000);
    }
  }

  async read(body) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        this.frame(frame);
      }
    }
  }

  frame(text) {
    let id = null;
    let name = "message";
    const data = [];
    for (const line of text.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "id") id = value;
      else if (field === "event") name = value;
      else if (field === "data") data.push(value);
    }
    if (id !== null) this.lastEventId = id;
    if (!data.length || name === "ping") return;
    let payload;
    try {
      payload = JSON.parse(data.join("\n"));
    } catch {
      return; // not ours to understand
    }
    try {
      this.onEvent(name, payload, id);
    } catch (error) {
      console.error("handling", name, error); // one bad event must not stop the stream
    }
  }
}

/** The agent's own stream: offers, her sessions' entries, flow screens. */
export class AgentStream extends EventStream {
  constructor({ onEvent, onState }) {
    super({ path: "/api/v1/agent/stream", onEvent, onState });
  }
}
