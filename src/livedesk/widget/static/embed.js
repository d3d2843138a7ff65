/* LiveDesk chat widget: one classic script, no library, no other asset before the first click.
   <script src="https://HOST/widget/embed.js" data-org="00D…" data-deployment="Web_Chat" async>
   It speaks the MIAW customer API and its SSE stream, like any MIAW client, from an open shadow
   root (so the host page's CSS cannot reach it), and defines one global: window.LiveDesk. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || customElements.get("livedesk-chat")) return;
  var BASE = new URL(script.src).origin;
  var MIAW = BASE + "/iamessage/api/v2";
  var ORG = script.dataset.org;
  var DEPLOYMENT = script.dataset.deployment;
  var KEY = "livedesk:" + ORG + ":" + DEPLOYMENT;
  var TARGET = script.dataset.target; // inline mode: render into this element, no launcher
  var queued = (window.LiveDesk && window.LiveDesk.q) || [];
  var hidden = {}; // hidden pre-chat values: data-prechat-* attributes and LiveDesk.prechat()
  var identity = null; // a signed identity token from the host page: LiveDesk.identify(jwt)
  var RTL = /^(ar|he|fa|ur|ps|yi|dv|ckb)(-|$)/i;
  var EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
  Object.keys(script.dataset).forEach(function (k) {
    if (k.indexOf("prechat") === 0 && k.length > 7) {
      hidden[k.charAt(7).toLowerCase() + k.slice(8)] = script.dataset[k];
    }
  });

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); });
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") +
      "-" + h.slice(8, 10).join("") + "-" + h.slice(10).join("");
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text; // text is always text
    return node;
  }
  // The mute button's icon: a speaker, with waves when sounds are on and a cross when muted.
  function speaker() {
    var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg");
    [["viewBox", "0 0 24 24"], ["width", "20"], ["height", "20"], ["aria-hidden", "true"],
      ["focusable", "false"]].forEach(function (a) { svg.setAttribute(a[0], a[1]); });
    [["M3 9v6h4l5 5V4L7 9H3z", "fill"], ["M15 8.5a5 5 0 0 1 0 7M17.5 6a8.5 8.5 0 0 1 0 12", "on"],
      ["M15 9l6 6M21 9l-6 6", "off"]].forEach(function (p) {
      var path = document.createElementNS(ns, "path");
      path.setAttribute("d", p[0]);
      path.setAttribute("class", p[1]);
      svg.append(path);
    });
    return svg;
  }
  // Text with its web addresses as links: each part is text, an address becomes an <a> whose
  // href is that http(s) address and nothing else; no markup is ever interpreted.
  function linked(text) {
    var p = el("p"), last = 0, match, URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'’]/g;
    while ((match = URL_IN_TEXT.exec(text))) {
      p.append(document.createTextNode(text.slice(last, match.index)));
      p.append(el("a", { href: match[0], target: "_blank", rel: "noopener noreferrer nofollow" }, match[0]));
      last = match.index + match[0].length;
    }
    p.append(document.createTextNode(text.slice(last)));
    return p;
  }
  function load() { try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return {}; } }
  function save(state) { try { localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode */ } }

  var CSS = ":host{all:initial}:host([hidden]){display:none!important}" +
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;" +
    "font-size:16px;line-height:1.4;color:#1b1b1f}" +
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;display:block;" +
    "border:0;border-radius:28px;padding:14px 22px;background:#0b57d0;color:#fff;cursor:pointer;" +
    "box-shadow:0 4px 14px rgba(0,0,0,.25)}" +
    ".launcher span{color:#fff}.badge{margin-left:8px;background:#fff;color:#0b57d0!important;" +
    "border-radius:10px;padding:0 7px;font-weight:700}" +
    ".panel{position:fixed;right:20px;bottom:84px;z-index:2147483000;width:360px;max-width:100vw;" +
    "height:520px;max-height:calc(100vh - 100px);display:flex;flex-direction:column;" +
    "background:#fff;border:1px solid #c4c7c5;border-radius:12px;overflow:hidden;" +
    "box-shadow:0 8px 28px rgba(0,0,0,.25)}.panel[hidden]{display:none}" +
    "header{display:flex;align-items:center;justify-content:space-between;padding:10px 14px;" +
    "background:#0b57d0}header h2{margin:0;font-size:17px;color:#fff}" +
    "header button{border:0;background:transparent;color:#fff;font-size:15px;cursor:pointer;" +
    "padding:6px;text-decoration:underline}header .mute{margin-inline-start:auto;line-height:0}" +
    "svg .fill{fill:#fff}svg .on,svg .off{fill:none;stroke:#fff;stroke-width:2;stroke-linecap:round}" +
    ".mute .off,.mute[aria-pressed=true] .on{display:none}.mute[aria-pressed=true] .off{display:inline}" +
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px}" +
    ".msg{max-width:80%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;" +
    "overflow-wrap:anywhere}.msg.me{align-self:flex-end;background:#d3e3fd}" +
    ".msg p{margin:0}.msg a{color:#0b57d0;text-decoration:underline}.msg.me a{color:#041e49}.flow{display:flex;flex-direction:column;gap:8px;border-top:0;padding:10px}" +
    ".flow .title{font-weight:600}fieldset{border:0;margin:0;padding:0;display:flex;flex-direction:column;gap:6px}" +
    "legend{margin-bottom:4px}.choice{flex-direction:row;align-items:center;gap:8px}" +
    ".flow img{max-width:100%}.file{display:block;margin-top:6px;border:1px solid #0b57d0;border-radius:6px;" +
    "background:#fff;color:#0b57d0;padding:6px 10px;cursor:pointer}" +
    ".options{display:flex;flex-wrap:wrap;gap:6px}.option{border:1px solid #0b57d0;border-radius:16px;" +
    "background:#fff;color:#0b57d0;padding:6px 12px;cursor:pointer}.option[aria-pressed=true]{background:#0b57d0;" +
    "color:#fff}.rating{flex-direction:row;flex-wrap:wrap;gap:10px}.rating legend{width:100%}" +
    "button:disabled,input:disabled{opacity:.6;cursor:default}" +
    ".link{background:transparent!important;color:#0b57d0!important;text-decoration:underline;padding:4px!important}" +
    ".attach{display:inline-block;color:#0b57d0;text-decoration:underline;cursor:pointer;font-size:15px}" +
    ".visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}" +
    ".msg.them{align-self:flex-start;background:#f1f3f4}.note{align-self:center;color:#444;" +
    "font-size:14px;text-align:center}" +
    "form{display:flex;flex-direction:column;gap:8px;padding:12px;border-top:1px solid #e0e0e0}" +
    "label{display:flex;flex-direction:column;gap:4px;font-size:15px}" +
    "input,select,textarea{font-size:16px;padding:8px;border:1px solid #747775;border-radius:6px;" +
    "background:#fff}textarea{resize:none;min-height:44px}" +
    ".row{display:flex;gap:8px}.row textarea{flex:1}.grow{flex:1}.contents{display:contents}" +
    "form button{border:0;border-radius:6px;padding:10px 14px;background:#0b57d0;color:#fff;" +
    "cursor:pointer}.error{color:#b3261e;font-size:14px;margin:0}.status{color:#444;font-size:14px;" +
    "margin:0;padding:0 12px}" +
    ".panel.inline{position:static;width:100%;height:100%;max-height:none;box-shadow:none}" +
    ".launcher[hidden]{display:none}" +
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;height:100vh;max-height:none;" +
    "border-radius:0}}" +
    "@media (prefers-reduced-motion:no-preference){.panel{transition:opacity .15s}}";

  var LABELS = {
    launcher: "Chat with us", title: "Chat", close: "Close chat", start: "Start chat",
    send: "Send", message: "Message", end: "End chat", required: "Please fill in {label}.",
    email: "{label} must be an email address.", joined: "{name} joined the chat.",
    waiting: "You are number {position} in the queue.", wait: "Estimated wait: about {minutes} min.", ended: "The chat has ended.",
    reconnecting: "Reconnecting…", typing: "{name} is typing…", attach: "Attach a file",
    transcript: "Download the transcript", notSent: "Not sent: “{text}”. {why}", closed: "We are closed right now.",
    closedUntil: "We are closed right now; we open again {when}.",
    download: "Download {name}", requested: "Upload the requested file",
    uploading: "Sending {name}… {percent}%",
    fileType: "{name} cannot be sent: only {types} files are accepted.",
    fileSize: "{name} cannot be sent: files may be at most {max} MB.", unread: "{count} new messages", failed: "Could not reach us. Please try again.",
    away: "No one can chat right now. Leave us a message and we will answer by email.",
    name: "Name", yourEmail: "Email", leave: "Send message", left: "Thank you. We have your message and will answer by email.",
    mute: "Mute sounds", yourAnswer: "Your answer", outOf: "{value} out of {max}"
  };
  // The page's language: the launcher's words for the shipped languages are here (nothing else
  // loads before the chat is used); the rest comes from /widget/i18n/<language>.json when it opens.
  var LANG = (document.documentElement.lang || "en").toLowerCase().split("-")[0];
  var LAUNCHER = { fr: "Discuter avec nous", es: "Chatea con nosotros", de: "Mit uns chatten",
    ar: "تحدث معنا" };
  if (LAUNCHER[LANG]) LABELS.launcher = LAUNCHER[LANG];
  var translated = LANG === "en" ? Promise.resolve() : null;
  function translate() {
    if (!translated) {
      translated = fetch(BASE + "/widget/i18n/" + encodeURIComponent(LANG) + ".json")
        .then(function (r) { return r.ok ? r.json() : {}; })
        .then(function (words) { Object.assign(LABELS, words); })
        .catch(function () { /* English it is */ });
    }
    return translated;
  }
  function t(key, values) {
    return LABELS[key].replace(/\{(\w+)\}/g, function (_, k) { return (values || {})[k]; });
  }

  class LiveDeskChat extends HTMLElement {
    constructor() {
      super();
      this.state = load();
      this.seen = new Set();
      this.questions = {}; // messaging components shown, by question id
      this.answeredIds = new Set(); // questions answered (seen in the transcript or just now)
      this.unreadIds = []; // the agent's messages not read yet (in any tab)
      this.readElsewhere = new Set(); // read in another tab of this browser
      var root = this.attachShadow({ mode: "open" });
      if (root.adoptedStyleSheets && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
        var sheet = new CSSStyleSheet(); // not subject to the host page's style-src
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
      } else {
        root.appendChild(el("style", {}, CSS));
      }
      this.launcher = el("button", { class: "launcher", type: "button", "aria-expanded": "false" });
      this.launcherText = el("span", {}, t("launcher"));
      this.badge = el("span", { class: "badge", hidden: "" });
      this.launcher.append(this.launcherText, this.badge);
      this.panel = el("section", { class: "panel", role: "dialog", "aria-label": t("title"), hidden: "",
        dir: RTL.test(document.documentElement.lang || "") ? "rtl" : "ltr" });
      var header = el("header");
      header.append(el("h2", {}, t("title")));
      this.muteButton = el("button", { type: "button", class: "mute", "aria-label": t("mute"),
        "aria-pressed": String(!!this.state.muted) });
      this.muteButton.append(speaker());
      this.closeButton = el("button", { type: "button" }, t("close"));
      header.append(this.muteButton, this.closeButton);
      this.log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Messages", tabindex: "0" });
      this.statusLine = el("p", { class: "status", role: "status" });
      this.typingNote = el("p", { class: "status", "aria-live": "polite" });
      this.body = el("div", { class: "contents" });
      this.panel.append(header, this.log, this.typingNote, this.statusLine, this.body);
      root.append(this.launcher, this.panel);
      if (TARGET) { this.launcher.hidden = true; this.panel.classList.add("inline"); }
      this.launcher.addEventListener("click", () => (this.panel.hidden ? this.open() : this.close()));
      this.closeButton.addEventListener("click", () => this.close());
      this.panel.addEventListener("keydown", (e) => { if (e.key === "Escape") this.close(); });
      this.muteButton.addEventListener("click", () => {
        this.state.muted = !this.state.muted;
        save(this.state);
        this.showMuted();
        this.tell({ muted: this.state.muted });
      });
      if (TARGET) this.closeButton.hidden = true;
      this.shareWithTabs();
      this.fitKeyboard();
      if (this.state.conversationId && this.state.token) { // a stored conversation
        this.follow();
        this.keepToken();
      } else {
        this.checked = this.checkAvailability();
      }
    }

    // The tabs of this browser share one unread count and one sound: a tab that reads tells the
    // others, and only the tab holding the "sound" lock plays it (any tab, without Web Locks).
    shareWithTabs() {
      this.tabs = window.BroadcastChannel ? new BroadcastChannel(KEY) : null;
      if (this.tabs) this.tabs.onmessage = (e) => this.fromTab(e.data || {});
      this.leader = !(navigator.locks && navigator.locks.request);
      if (!this.leader) {
        navigator.locks.request(KEY + ":sound", () => { this.leader = true; return new Promise(function () {}); });
      }
      window.addEventListener("storage", (e) => { if (e.key === KEY) this.fromStorage(); });
    }

    tell(message) { if (this.tabs) this.tabs.postMessage(message); }

    fromTab(message) {
      if (message.read) {
        message.read.forEach((id) => this.readElsewhere.add(id));
        this.unreadIds = message.all ? [] : this.unreadIds.filter(function (id) { return message.read.indexOf(id) < 0; });
        this.showBadge();
      }
      if ("muted" in message) { this.state.muted = message.muted; this.showMuted(); }
    }

    // Another tab started a conversation: this one follows it too.
    fromStorage() {
      var stored = load();
      if (!stored.conversationId || !stored.token || stored.conversationId === this.state.conversationId) return;
      this.state = stored;
      this.hidden = false;
      if (this.started) this.history().then(() => this.showComposer());
      this.follow();
      this.keepToken();
    }

    showMuted() { this.muteButton.setAttribute("aria-pressed", String(!!this.state.muted)); }

    // A new message from the agent while the chat is out of sight: one short tone, in one tab.
    sound(key) {
      setTimeout(() => { // (a tab where it is read right away says so first)
        if (!this.leader || this.state.muted || this.readElsewhere.has(key)) return;
        if (!this.panel.hidden && !document.hidden) return;
        try {
          var Context = window.AudioContext || window.webkitAudioContext;
          var audio = this.audio || (this.audio = new Context());
          var tone = audio.createOscillator(), gain = audio.createGain();
          tone.frequency.value = 880;
          gain.gain.value = 0.05;
          tone.connect(gain);
          gain.connect(audio.destination);
          tone.start();
          tone.stop(audio.currentTime + 0.15);
        } catch (e) { /* no audio here */ }
      }, 250);
    }

    // Full screen on a phone: the panel follows the visual viewport, so the on-screen keyboard
    // never covers the input.
    fitKeyboard() {
      var view = window.visualViewport;
      if (!view || TARGET) return;
      var phone = window.matchMedia("(max-width:480px)");
      var fit = () => {
        var style = this.panel.style;
        if (!phone.matches) { style.height = style.top = style.bottom = ""; return; }
        style.height = view.height + "px";
        style.top = view.offsetTop + "px";
        style.bottom = "auto";
      };
      view.addEventListener("resize", fit);
      view.addEventListener("scroll", fit);
      fit();
    }

    // Whether a chat would reach someone now; the deployment says what to show when not:
    // the chat anyway (it explains), nothing ("hide"), or the email-us form ("email").
    async checkAvailability() {
      try {
        var r = await fetch(BASE + "/api/v1/orgs/" + encodeURIComponent(ORG) + "/deployments/" +
          encodeURIComponent(DEPLOYMENT) + "/availability");
        if (r.ok) this.availability = await r.json();
      } catch (e) { /* unknown: the chat opens as usual */ }
      var away = this.away();
      if (this.panel.hidden || TARGET) this.hidden = away === "hide";
      clearTimeout(this.recheck);
      if (away) this.recheck = setTimeout(() => this.checkAvailability(), 60000);
    }

    away() {
      var a = this.availability;
      if (!a || a.available || this.state.conversationId) return null;
      return a.whenUnavailable;
    }

    // The token lives a few hours: renewed (MIAW's continuation token) half way through.
    keepToken() {
      var s = this.state;
      if (!s.tokenLife) {
        try {
          var claims = JSON.parse(atob(s.token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
          s.tokenLife = (claims.exp - claims.iat) * 1000;
        } catch (e) { return; }
        s.tokenAt = s.tokenAt || Date.now();
        save(s);
      }
      clearTimeout(this.renewal);
      this.renewal = setTimeout(() => this.renewToken(), Math.max(0, s.tokenAt + s.tokenLife / 2 - Date.now()));
    }

    async renewToken() {
      try {
        var r = await fetch(MIAW + "/authorization/continuation-access-token", { headers: this.headers(false) });
        if (r.status === 401 || r.status === 403) { this.forget(); return; }
        if (!r.ok) throw new Error("token " + r.status);
        this.state.token = (await r.json()).accessToken;
        this.state.tokenAt = Date.now();
        this.state.tokenLife = 0;
        save(this.state);
        this.keepToken();
      } catch (e) {
        clearTimeout(this.renewal);
        this.renewal = setTimeout(() => this.renewToken(), 60000); // offline: try again
      }
    }

    async open(quietly) {
      this.panel.hidden = false;
      this.launcher.setAttribute("aria-expanded", "true");
      this.hidden = false;
      this.unreadIds.splice(0).forEach((id) => this.acknowledge(id, "Read"));
      this.tell({ read: [], all: true });
      this.showBadge();
      if (!this.started) {
        this.started = true;
        await translate();
        this.relabel();
        try {
          if (this.state.conversationId && this.state.token) {
            await this.history();
            this.showComposer();
            await this.waitingNow();
          } else {
            await this.checked;
            await this.guestToken();
            if (this.away() === "email") this.showEmailForm(); else this.showPrechat();
          }
        } catch (e) {
          this.started = false;
          this.statusLine.textContent = t("failed");
        }
      }
      if (quietly) return; // (inline mode opening with the page: the focus stays where it is)
      var first = this.panel.querySelector("input, select, textarea");
      (first || this.closeButton).focus();
    }

    // The labels drawn before the translation came.
    relabel() {
      this.launcherText.textContent = t("launcher");
      this.panel.setAttribute("aria-label", t("title"));
      this.panel.querySelector("h2").textContent = t("title");
      this.closeButton.textContent = t("close");
      this.muteButton.setAttribute("aria-label", t("mute"));
      this.showBadge();
    }

    close() {
      if (TARGET) return; // inline: always open
      this.panel.hidden = true;
      this.launcher.setAttribute("aria-expanded", "false");
      this.launcher.focus();
    }

    headers(json) {
      var h = { Authorization: "Bearer " + this.state.token };
      if (json) h["Content-Type"] = "application/json";
      return h;
    }

    // A guest token, or with LiveDesk.identify(jwt) the verified user's.
    async guestToken() {
      var body = { orgId: ORG, esDeveloperName: DEPLOYMENT, capabilitiesVersion: "1",
        platform: "Web", language: document.documentElement.lang || undefined };
      var kind = "unauthenticated";
      if (identity) { kind = "authenticated"; body.customerIdentityToken = identity; }
      var r = await fetch(MIAW + "/authorization/" + kind + "/access-token", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
      });
      if (!r.ok) throw new Error("token " + r.status);
      body = await r.json();
      this.config = body.context.configuration.embeddedServiceConfig;
      this.state = { token: body.accessToken, lastEventId: body.lastEventId || "0",
        files: this.config.attachments || {}, muted: this.state.muted, tokenAt: Date.now() };
      save(this.state);
      this.keepToken();
    }

    // When no one can chat: the customer leaves a message, which becomes a Case.
    showEmailForm() {
      var form = el("form", { novalidate: "", "aria-label": t("leave") });
      form.append(el("p", { class: "note" }, t("away")));
      var closed = this.closedNote((this.availability || {}).nextOpeningTime);
      if (closed && !(this.availability || {}).isOpen) form.append(closed);
      var fields = [["name", "text", "name"], ["yourEmail", "email", "email"], ["message", "textarea", ""]];
      var inputs = fields.map(function (f) {
        var label = el("label", {}, t(f[0]) + (f[0] === "name" ? "" : " *"));
        var input = f[1] === "textarea" ? el("textarea", { rows: "4" }) :
          el("input", { type: f[1], autocomplete: f[2], maxlength: f[0] === "name" ? "120" : "255" });
        if (f[0] !== "name") input.setAttribute("aria-required", "true");
        label.append(input);
        form.append(label);
        return input;
      });
      var error = el("p", { class: "error", role: "alert" });
      var send = el("button", { type: "submit" }, t("leave"));
      form.append(error, send);
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        var name = inputs[0].value.trim(), email = inputs[1].value.trim(), message = inputs[2].value.trim();
        if (!email) return this.invalid(error, inputs[1], t("required", { label: t("yourEmail") }));
        if (!EMAIL.test(email)) return this.invalid(error, inputs[1], t("email", { label: t("yourEmail") }));
        if (!message) return this.invalid(error, inputs[2], t("required", { label: t("message") }));
        send.disabled = true;
        try {
          var r = await fetch(BASE + "/api/v1/contact-requests", { method: "POST", headers: this.headers(true),
            body: JSON.stringify({ name: name || undefined, email: email, message: message }) });
          if (!r.ok) throw new Error(((await r.json().catch(function () { return {}; })).message) || t("failed"));
          this.body.replaceChildren(el("p", { class: "note", role: "status" }, t("left")));
        } catch (err) {
          send.disabled = false;
          error.textContent = err.message || t("failed");
        }
      });
      this.body.replaceChildren(form);
    }

    closedNote(opensAt) {
      var opens = opensAt ? new Date(opensAt).toLocaleString(document.documentElement.lang || undefined,
        { weekday: "long", hour: "numeric", minute: "2-digit" }) : "";
      return el("p", { class: "note" }, opens ? t("closedUntil", { when: opens }) : t("closed"));
    }

    showPrechat() {
      var form = el("form", { novalidate: "", "aria-label": "Before we start" });
      var fields = ((this.config.forms || [])[0] || { formFields: [] }).formFields
        .filter(function (f) { return f.isHidden === false; });
      var lists = {};
      ((this.config.choiceListConfig || {}).choiceList || []).forEach(function (c) { lists[c.choiceListId] = c; });
      var inputs = fields.map(function (f) {
        var label = el("label", {}, f.label + (f.required ? " *" : ""));
        var input;
        if (f.type === "ChoiceList") {
          input = el("select", { name: f.name });
          input.append(el("option", { value: "" }, "—"));
          ((lists[f.choiceListId] || {}).choiceListValues || []).forEach(function (v) {
            input.append(el("option", { value: v.choiceListValueName }, v.label));
          });
        } else {
          input = el("input", { name: f.name, type: f.type === "Email" ? "email" : f.type === "Phone" ? "tel" : "text",
            maxlength: String(f.maxLength || 255), autocomplete: "on" });
        }
        if (f.required) input.setAttribute("aria-required", "true");
        label.append(input);
        form.append(label);
        return { field: f, input: input };
      });
      var error = el("p", { class: "error", role: "alert" });
      var start = el("button", { type: "submit" }, t("start"));
      form.append(error, start);
      var hours = this.config.businessHours;
      if (hours && !hours.isOpen) form.prepend(this.closedNote(hours.nextOpeningTime));
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        var values = {};
        for (var i = 0; i < inputs.length; i++) {
          var f = inputs[i].field, value = inputs[i].input.value.trim();
          if (f.required && !value) return this.invalid(error, inputs[i].input, t("required", { label: f.label }));
          if (value && f.type === "Email" && !EMAIL.test(value)) {
            return this.invalid(error, inputs[i].input, t("email", { label: f.label }));
          }
          if (value) values[f.name] = value;
        }
        this.startConversation(Object.assign({}, hidden, values));
      });
      this.body.replaceChildren(form);
    }

    invalid(error, input, text) {
      error.textContent = text;
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }

    async startConversation(attributes) {
      var id = uuid();
      var r = await fetch(MIAW + "/conversation", {
        method: "POST", headers: this.headers(true),
        body: JSON.stringify({ conversationId: id, esDeveloperName: DEPLOYMENT, routingAttributes: attributes })
      });
      if (!r.ok) { this.statusLine.textContent = t("failed"); return; }
      this.state.conversationId = id;
      save(this.state);
      this.showComposer();
      this.follow();
      this.waitingNow();
    }

    showComposer() {
      var form = el("form", { "aria-label": "Write a message" });
      var row = el("div", { class: "row" });
      var label = el("label", { class: "grow" });
      var box = el("textarea", { name: "message", rows: "1", "aria-label": t("message") });
      label.append(box);
      row.append(label, el("button", { type: "submit" }, t("send")));
      var end = this.endButton = el("button", { type: "button" }, t("end"));
      var transcript = el("button", { type: "button", class: "link" }, t("transcript"));
      transcript.addEventListener("click", () => this.download({
        url: "/iamessage/api/v2/conversation/" + this.state.conversationId + "/transcript?esDeveloperName=" +
          encodeURIComponent(DEPLOYMENT), name: "transcript.pdf" }));
      this.fileError = el("p", { class: "error", role: "alert" });
      form.append(row, this.fileError, end, transcript);
      var files = this.state.files || {};
      if (files.endUserToAgent) {
        var attach = el("label", { class: "attach" }, t("attach"));
        this.fileInput = el("input", { type: "file", class: "visually-hidden",
          accept: (files.allowedMimeTypes || []).join(",") });
        attach.append(this.fileInput);
        this.fileInput.addEventListener("change", () => {
          var file = this.fileInput.files[0];
          this.fileInput.value = "";
          if (file) this.upload(file);
        });
        form.insertBefore(attach, end);
        box.addEventListener("paste", (e) => {
          var pasted = Array.prototype.slice.call((e.clipboardData || {}).files || []);
          if (pasted.length) { e.preventDefault(); this.upload(pasted[0]); }
        });
        this.panel.addEventListener("dragover", (e) => e.preventDefault());
        this.panel.addEventListener("drop", (e) => {
          e.preventDefault();
          var dropped = (e.dataTransfer || {}).files || [];
          if (dropped.length) this.upload(dropped[0]);
        });
      }
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        var text = box.value.trim();
        if (!text) return;
        box.value = "";
        this.send(text);
      });
      box.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
      });
      box.addEventListener("input", () => this.typed());
      end.addEventListener("click", () => this.end());
      this.body.replaceChildren(form);
      this.composer = box;
    }

    // Messages go out through an outbox kept in localStorage: sent in order, each with its own
    // id, retried after a network failure (the id makes a retry the same message).
    send(text) {
      var id = uuid();
      if (this.endButton) this.endButton.hidden = false;
      this.state.outbox = (this.state.outbox || []).concat([{ id: id, text: text }]);
      save(this.state);
      this.show(id, "me", text);
      this.flush();
    }

    async flush() {
      if (this.flushing) return;
      this.flushing = true;
      try {
        while ((this.state.outbox || []).length) {
          var next = this.state.outbox[0];
          var r = await fetch(MIAW + "/conversation/" + this.state.conversationId + "/message", {
            method: "POST", headers: this.headers(true),
            body: JSON.stringify({ esDeveloperName: DEPLOYMENT, message: { id: next.id,
              messageType: "StaticContentMessage", staticContent: { formatType: "Text", text: next.text } } })
          });
          if (r.status >= 500 || r.status === 429) break; // later
          this.state.outbox = this.state.outbox.slice(1);
          save(this.state);
          if (!r.ok) { // refused for good: say which message did not go, and why
            var why = (await r.json().catch(function () { return {}; })).message || "";
            this.log.append(el("p", { class: "note", role: "alert" }, t("notSent", { text: next.text, why: why })));
          }
        }
      } catch (e) {
        /* offline: the stream's reconnect flushes again */
      } finally {
        this.flushing = false;
      }
    }

    // A file: checked against the deployment's policy first, then sent with its progress shown.
    upload(file) {
      var files = this.state.files || {};
      var allowed = files.allowedMimeTypes || [];
      this.fileError.textContent = "";
      if (allowed.length && allowed.indexOf(file.type) < 0) {
        this.fileError.textContent = t("fileType", { name: file.name, types: allowed.map(function (m) {
          return m.split("/")[1].toUpperCase(); }).join(", ") });
        return;
      }
      if (files.maxFileSizeBytes && file.size > files.maxFileSizeBytes) {
        this.fileError.textContent = t("fileSize", { name: file.name,
          max: Math.floor(files.maxFileSizeBytes / 1048576) || 1 });
        return;
      }
      var id = uuid();
      var form = new FormData();
      form.append("messageEntry", new Blob([JSON.stringify({ esDeveloperName: DEPLOYMENT,
        message: { id: id, fileId: uuid(), text: "" } })], { type: "application/json" }));
      form.append("fileData", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", MIAW + "/conversation/" + this.state.conversationId + "/file");
      xhr.setRequestHeader("Authorization", "Bearer " + this.state.token);
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) this.statusLine.textContent = t("uploading", { name: file.name,
          percent: Math.round(100 * e.loaded / e.total) });
      };
      xhr.onload = () => {
        this.statusLine.textContent = "";
        if (xhr.status >= 400) {
          var body = {};
          try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
          this.fileError.textContent = body.message || t("failed");
        }
      };
      xhr.onerror = () => { this.statusLine.textContent = ""; this.fileError.textContent = t("failed"); };
      xhr.send(form);
    }

    async download(attachment) {
      var r = await fetch(BASE + attachment.url, { headers: this.headers(false) });
      if (!r.ok) { this.statusLine.textContent = t("failed"); return; }
      var link = el("a", { href: URL.createObjectURL(await r.blob()), download: attachment.name });
      this.shadowRoot.appendChild(link);
      link.click();
      link.remove();
    }

    // A messaging component (MIAW's ChoicesMessage or FormMessage): choices as buttons in a group
    // named by the question, a form inline; answered with MIAW's response messages, once.
    question(message) {
      var node, error = el("p", { class: "error", role: "alert" });
      if (message.choices) {
        var choices = message.choices;
        node = el("div", { class: "msg them flow", role: "group", "aria-label": choices.text || "" });
        node.append(el("p", { class: "title" }, choices.text || ""));
        var row = el("div", { class: "options" });
        var other = (message.component || {}).otherOptionIdentifier;
        (choices.optionItems || []).forEach((item) => {
          var title = (item.titleItem || {}).title || item.optionIdentifier;
          var button = el("button", { type: "button", class: "option", "aria-pressed": "false",
            "data-option": item.optionIdentifier }, title);
          button.addEventListener("click", () => {
            if (item.optionIdentifier === other) return this.otherAnswer(node, item, error, message);
            this.answer(node, message, error, button, { messageType: "ChoicesResponseMessage",
              choicesResponse: { formatType: "Selections", selectedOptions: [{ optionIdentifier: item.optionIdentifier }] } });
          });
          row.append(button);
        });
        node.append(row, error);
      } else {
        node = this.componentForm(message, error);
      }
      this.questions[message.id] = node;
      this.log.append(node);
      this.log.scrollTop = this.log.scrollHeight;
      if (this.answeredIds.has(message.id)) this.answered(message.id);
    }

    // The free-text choice: a box for the customer's own words.
    otherAnswer(node, item, error, message) {
      if (node.querySelector("textarea")) return node.querySelector("textarea").focus();
      var label = el("label", {}, t("yourAnswer"));
      var box = el("textarea", { rows: "2", maxlength: "1000" });
      var send = el("button", { type: "button", class: "option" }, t("send"));
      label.append(box);
      node.insertBefore(label, error);
      node.insertBefore(send, error);
      send.addEventListener("click", () => {
        var words = box.value.trim();
        if (!words) { error.textContent = t("required", { label: t("yourAnswer") }); return box.focus(); }
        this.answer(node, message, error, send, { messageType: "ChoicesResponseMessage", choicesResponse: {
          formatType: "Selections", selectedOptions: [{ optionIdentifier: item.optionIdentifier, text: words }] } });
      });
      box.focus();
    }

    componentForm(message, error) {
      var form = message.form, title = (form.formTitle || {}).title || "";
      var node = el("form", { class: "msg them flow", "aria-label": title, novalidate: "" });
      node.append(el("p", { class: "title" }, title));
      var inputs = form.inputs || [];
      inputs.forEach(function (f) {
        var mark = f.required ? " *" : "", input;
        if (f.inputType === "Rating" || f.inputType === "Choice") {
          var rating = f.inputType === "Rating";
          input = el("fieldset", { role: "radiogroup", class: rating ? "rating" : "" });
          input.append(el("legend", {}, f.label + mark));
          var values = rating ? [] : f.choices || [];
          for (var v = f.minimum || 1; rating && v <= (f.maximum || 5); v++) values.push(String(v));
          values.forEach(function (value) {
            var option = el("label", { class: "choice" });
            var radio = el("input", { type: "radio", name: f.name, value: value });
            if (rating) radio.setAttribute("aria-label", t("outOf", { value: value, max: f.maximum || 5 }));
            option.append(radio, document.createTextNode(value));
            input.append(option);
          });
          if (f.required) input.setAttribute("aria-required", "true");
        } else {
          input = el("label", {}, f.label + mark);
          var box = el("input", { name: f.name, type: f.inputType === "Number" ? "number" : f.inputType === "Email" ? "email" : "text" });
          if (f.maxLength) box.setAttribute("maxlength", String(f.maxLength));
          if (f.minimum != null) box.setAttribute("min", String(f.minimum));
          if (f.maximum != null) box.setAttribute("max", String(f.maximum));
          if (f.required) box.setAttribute("aria-required", "true");
          input.append(box);
        }
        node.append(input);
      });
      var submit = el("button", { type: "submit" }, t("send"));
      node.append(error, submit);
      node.addEventListener("submit", (e) => {
        e.preventDefault();
        var values = {};
        for (var i = 0; i < inputs.length; i++) {
          var f = inputs[i], value, box = node.querySelector('input[name="' + f.name + '"]:not([type=radio])');
          if (box) value = box.value.trim();
          else value = (node.querySelector('input[name="' + f.name + '"]:checked') || { value: "" }).value;
          var invalid = f.required && value === "" ? t("required", { label: f.label }) :
            value && f.inputType === "Email" && !EMAIL.test(value) ? t("email", { label: f.label }) : "";
          if (invalid) { error.textContent = invalid; (box || node.querySelector('input[name="' + f.name + '"]')).focus(); return; }
          if (value !== "") values[f.name] = f.inputType === "Rating" || f.inputType === "Number" ? Number(value) : value;
        }
        this.answer(node, message, error, submit, { messageType: "FormResponseMessage",
          formResponse: { formatType: "Result", values: values } });
      });
      return node;
    }

    // The answer goes through MIAW's message call, linked to its question; one id per question,
    // so a retry after a lost answer is the same answer.
    async answer(node, message, error, button, body) {
      node.answerId = node.answerId || uuid();
      error.textContent = "";
      button.disabled = true;
      try {
        var r = await fetch(MIAW + "/conversation/" + this.state.conversationId + "/message", {
          method: "POST", headers: this.headers(true), body: JSON.stringify({ esDeveloperName: DEPLOYMENT,
            message: Object.assign({ id: node.answerId, inReplyToMessageId: message.id }, body) }) });
        var refusal = r.ok ? {} : await r.json().catch(function () { return {}; });
        if (r.ok || refusal.code === "already_answered") return this.answered(message.id, button.dataset.option);
        error.textContent = refusal.message || t("failed");
      } catch (e) {
        error.textContent = t("failed");
      }
      button.disabled = false;
    }

    // Answered (now, or as the transcript says after a reload): the component takes no more.
    answered(questionId, option) {
      this.answeredIds.add(questionId);
      if (option) this.chosen = Object.assign(this.chosen || {}, { [questionId]: option });
      var node = this.questions[questionId];
      if (!node) return;
      var picked = (this.chosen || {})[questionId];
      node.querySelectorAll("[data-option]").forEach(function (b) {
        b.setAttribute("aria-pressed", String(b.dataset.option === picked));
      });
      var focused = node.contains(this.shadowRoot.activeElement);
      node.querySelectorAll("input, button, textarea").forEach(function (x) { x.disabled = true; });
      if (focused && this.composer) this.composer.focus();
    }

    // A flow's screen, launched by the agent: shown in the chat and answered in place.
    flowForm(flow, fallback) {
      var screen = flow.screen;
      if (!screen) { if (fallback) this.log.append(el("p", { class: "msg them" }, fallback)); return; }
      var form = el("form", { class: "msg them flow", "aria-label": screen.title || fallback || "Form" });
      if (screen.title) form.append(el("p", { class: "title" }, screen.title));
      var inputs = [];
      (screen.fields || []).forEach(function (f) {
        if (f.type === "display") { form.append(el("p", {}, f.text || f.label)); return; }
        if (f.type === "image") { form.append(el("img", { src: f.text || "", alt: f.label || "" })); return; }
        var input;
        if (f.type === "choice") {
          input = el("fieldset");
          input.append(el("legend", {}, f.label + (f.required ? " *" : "")));
          (f.choices || []).forEach(function (choice) {
            var option = el("label", { class: "choice" });
            option.append(el("input", { type: "radio", name: f.name, value: choice }), document.createTextNode(choice));
            input.append(option);
          });
          form.append(input);
        } else {
          var label = el("label", {}, f.label + (f.required ? " *" : ""));
          input = el("input", { name: f.name, type: f.type === "number" ? "number" : f.type === "email" ? "email" : "text" });
          label.append(input);
          form.append(label);
        }
        inputs.push(f);
      });
      var error = el("p", { class: "error", role: "alert" });
      form.append(error);
      if (inputs.length) {
        var submit = el("button", { type: "submit" }, t("send"));
        form.append(submit);
        form.addEventListener("submit", async (e) => {
          e.preventDefault();
          var values = {};
          for (var i = 0; i < inputs.length; i++) {
            var f = inputs[i], value;
            if (f.type === "choice") {
              var picked = form.querySelector('input[name="' + f.name + '"]:checked');
              value = picked ? picked.value : "";
            } else {
              value = form.querySelector('[name="' + f.name + '"]').value.trim();
              if (f.type === "number" && value !== "") value = Number(value);
            }
            if (f.required && value === "") { error.textContent = t("required", { label: f.label }); return; }
            if (value !== "") values[f.name] = value;
          }
          submit.disabled = true;
          var r = await fetch(MIAW + "/conversation/" + this.state.conversationId + "/flow/" + flow.interviewId, {
            method: "POST", headers: this.headers(true), body: JSON.stringify({ values: values })
          });
          if (!r.ok) {
            submit.disabled = false;
            error.textContent = ((await r.json().catch(function () { return {}; })).message) || t("failed");
            return;
          }
          form.querySelectorAll("input, button").forEach(function (x) { x.disabled = true; });
        });
      }
      this.log.append(form);
      this.log.scrollTop = this.log.scrollHeight;
    }

    // Typing: at most one indicator a second, Stopped after 3 s without a key.
    typed() {
      var now = Date.now();
      if (!this.typingSince || now - this.typingSince > 1000) {
        this.typingSince = now;
        this.indicate("TypingStartedIndicator");
      }
      clearTimeout(this.typingTimer);
      this.typingTimer = setTimeout(() => { this.typingSince = 0; this.indicate("TypingStoppedIndicator"); }, 3000);
    }

    indicate(kind) {
      fetch(MIAW + "/conversation/" + this.state.conversationId + "/entry", {
        method: "POST", headers: this.headers(true), body: JSON.stringify({ entryType: kind })
      }).catch(function () { /* never worth a retry */ });
    }

    acknowledge(entryId, kind) {
      fetch(MIAW + "/conversation/" + this.state.conversationId + "/acknowledge-entries", {
        method: "POST", headers: this.headers(true),
        body: JSON.stringify({ acks: [{ entryType: kind, conversationEntryId: entryId }] })
      }).catch(function () { /* a receipt is best effort */ });
    }

    async end() {
      await fetch(MIAW + "/conversation/" + this.state.conversationId + "/session?esDeveloperName=" +
        encodeURIComponent(DEPLOYMENT), { method: "DELETE", headers: this.headers(false) });
    }

    async history() {
      var r = await fetch(MIAW + "/conversation/" + this.state.conversationId +
        "/entries?limit=50&direction=FromStart", { headers: this.headers(false) });
      if (!r.ok) return;
      ((await r.json()).conversationEntries || []).forEach((entry) => this.entry(entry, false));
    }

    // The stream: fetch (EventSource cannot send the token), resumed from the last event id.
    async follow() {
      if (this.following) return;
      this.following = true;
      while (this.following) {
        try {
          var r = await fetch(BASE + "/eventrouter/v1/sse", { headers: Object.assign(this.headers(false), {
            Accept: "text/event-stream", "X-Org-Id": ORG, "Last-Event-Id": this.state.lastEventId || "0" }) });
          if (r.status === 401 || r.status === 403) { this.forget(); return; }
          if (!r.ok) throw new Error("stream " + r.status);
          this.statusLine.textContent = "";
          this.flush();
          await this.read(r.body.getReader());
        } catch (e) { /* dropped: resume below */ }
        if (!this.following) return;
        this.statusLine.textContent = t("reconnecting");
        await new Promise(function (done) { setTimeout(done, 1000); });
      }
    }

    async read(reader) {
      var decoder = new TextDecoder(), buffer = "";
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) return;
        buffer += decoder.decode(chunk.value, { stream: true });
        var end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          var frame = buffer.slice(0, end); buffer = buffer.slice(end + 2);
          var id = null, name = "message", data = "";
          frame.split("\n").forEach(function (line) {
            if (line.indexOf("id:") === 0) id = line.slice(3).trim();
            else if (line.indexOf("event:") === 0) name = line.slice(6).trim();
            else if (line.indexOf("data:") === 0) data += line.slice(5).trim();
          });
          if (data) this.event(name, JSON.parse(data));
          if (id) { this.state.lastEventId = id; save(this.state); }
        }
      }
    }

    event(name, data) {
      if (name === "CONVERSATION_QUEUE_POSITION") {
        this.showWaiting(data.queuePosition, (data.estimatedWaitTime || {}).estimatedWaitTimeInSeconds);
        return;
      }
      if (data.conversationEntry && data.conversationId === this.state.conversationId) {
        var entry = data.conversationEntry;
        if (typeof entry.entryPayload === "string") entry.entryPayload = JSON.parse(entry.entryPayload);
        this.entry(entry, true);
      }
    }

    // The place in the queue, and the estimated wait when the queue has one (-1 or null: none yet).
    showWaiting(position, seconds) {
      var text = t("waiting", { position: position });
      if (seconds != null && seconds >= 0) text += " " + t("wait", { minutes: Math.max(1, Math.round(seconds / 60)) });
      this.statusLine.textContent = text;
    }

    // After a reload: still waiting? Then where (MIAW's routing status).
    async waitingNow() {
      var r = await fetch(MIAW + "/conversation/" + this.state.conversationId, { headers: this.headers(false) });
      if (!r.ok) return;
      var status = await r.json();
      if (status.sessionStatus === "Waiting" && status.queuePosition) {
        this.showWaiting(status.queuePosition, status.estimatedWaitTimeInSeconds);
      }
    }

    // An entry from the stream (`live`: receipts are sent) or from the history.
    entry(entry, live) {
      var payload = entry.entryPayload || {};
      var type = entry.entryType;
      var key = entry.identifier || entry.id || payload.id;
      if (type === "Message") {
        var message = payload.abstractMessage || {};
        var content = message.staticContent || {};
        var text = content.text || "";
        var mine = (entry.sender || {}).role === "EndUser";
        var reply = message.choicesResponse || message.formResponse; // (a survey's answer ends nothing)
        if (mine && !reply && this.endButton) this.endButton.hidden = false;
        var asks = !message.flow && !mine && (message.choices || message.form) ? message : null;
        var fresh = this.show(message.id || key, mine ? "me" : "them", message.flow || asks ? "" : text,
          content.attachments, message.fileRequest);
        if (fresh && message.flow) this.flowForm(message.flow, text);
        if (fresh && asks) this.question(asks);
        if (reply && message.inReplyToMessageId) {
          this.answered(message.inReplyToMessageId, ((message.choicesResponse || {}).selectedOptions || [{}])[0].optionIdentifier);
        }
        if (!mine && fresh && live) {
          this.typingNote.textContent = "";
          this.acknowledge(key, "Delivery");
          if (this.panel.hidden) {
            if (!this.readElsewhere.has(key)) this.unreadIds.push(key);
            this.showBadge();
          } else {
            this.acknowledge(key, "Read");
            this.tell({ read: [key] });
          }
          this.sound(key);
        }
      } else if (type === "ParticipantChanged") {
        (payload.entries || []).forEach((change) => {
          if (change.operation === "add" && change.participant && change.participant.role === "Agent") {
            this.statusLine.textContent = ""; // no longer waiting
            this.note(key, t("joined", { name: change.displayName || "An agent" }));
          }
        });
      } else if (type === "TypingStartedIndicator" && (entry.sender || {}).role !== "EndUser") {
        this.typingNote.textContent = t("typing", { name: entry.senderDisplayName || "The agent" });
      } else if (type === "TypingStoppedIndicator") {
        this.typingNote.textContent = "";
      } else if (type === "SessionStatusChanged" && payload.sessionStatus === "Ended") {
        this.note(key, t("ended"));
        if (this.endButton) { // (writing again starts a new session)
          if (this.shadowRoot.activeElement === this.endButton) this.composer.focus();
          this.endButton.hidden = true;
        }
      }
    }

    show(key, who, text, attachments, fileRequest) {
      if (key && this.seen.has(key)) return false;
      if (key) this.seen.add(key);
      if (!text && !(attachments || []).length && !fileRequest) return true; // (a flow's form)
      var bubble = el("div", { class: "msg " + who });
      if (text) bubble.append(linked(text));
      (attachments || []).forEach((a) => {
        var button = el("button", { type: "button", class: "file" }, t("download", { name: a.name }));
        button.addEventListener("click", () => this.download(a));
        bubble.append(button);
      });
      if (fileRequest && this.fileInput) {
        var prompt = el("button", { type: "button", class: "file" }, t("requested"));
        prompt.addEventListener("click", () => this.fileInput.click());
        bubble.append(prompt);
      }
      this.log.append(bubble);
      this.log.scrollTop = this.log.scrollHeight;
      return true;
    }

    note(key, text) {
      if (key && this.seen.has(key)) return;
      if (key) this.seen.add(key);
      this.log.append(el("p", { class: "note" }, text));
    }

    showBadge() {
      var count = this.unreadIds.length;
      this.badge.hidden = count === 0;
      this.badge.textContent = count ? String(count) : "";
      this.launcher.setAttribute("aria-label", count ? t("launcher") + ", " + t("unread", { count: count }) : t("launcher"));
    }

    forget() {
      this.following = false;
      this.state = {};
      save(this.state);
    }
  }

  customElements.define("livedesk-chat", LiveDeskChat);
  var widget = document.createElement("livedesk-chat");
  function mount() {
    var host = TARGET ? document.querySelector(TARGET) : null;
    (host || document.body).appendChild(widget);
    if (host) widget.open(true);
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);

  var api = {
    prechat: function (values) { Object.assign(hidden, values || {}); },
    identify: function (jwt) { identity = jwt; },
    open: function () { widget.open(); },
    close: function () { widget.close(); }
  };
  window.LiveDesk = api;
  queued.forEach(function (call) { if (api[call[0]]) api[call[0]].apply(api, call[1]); });
})();
