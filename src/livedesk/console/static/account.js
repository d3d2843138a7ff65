// The top bar once signed in: who is signed in, the presence switch, the ring and flashing-title
// toggles (kept in this browser), desktop notifications (asked from a button, never on load),
// the shortcuts, and signing out.
import { askNotifications, notificationPermission } from "./alerts.js";
import { el } from "./dom.js";
import { Presence } from "./presence.js";
import { change, setting } from "./settings.js";

let listening = null; // the page-wide listeners of the bar shown now

export function showAccount(container, { agent, onSignOut, onHelp, onPresence }) {
  const presence = new Presence({ agent, onChanged: onPresence });
  const toggle = (name, label) => {
    const box = el("input", { type: "checkbox", checked: setting(name) });
    box.addEventListener("change", () => change(name, box.checked));
    return el("label", { class: "toggle" }, box, label);
  };
  const notify = el("button", { type: "button" }, "Allow desktop notifications");
  const showNotify = () => {
    const state = notificationPermission();
    notify.hidden = state !== "default";
  };
  notify.addEventListener("click", async () => { await askNotifications(); showNotify(); });
  showNotify();
  const help = el("button", { type: "button", "aria-keyshortcuts": "Shift+?" }, "Shortcuts");
  help.addEventListener("click", onHelp);
  const signOut = el("button", { type: "button" }, "Sign out");
  signOut.addEventListener("click", onSignOut);
  const settings = el("details", { class: "settings" },
    el("summary", {}, "Alerts"),
    el("div", { class: "settings-panel" },
      toggle("ring", "Ring for new offers"),
      toggle("flash", "Flash the tab title"),
      notify));
  if (listening) listening.abort();
  listening = new AbortController();
  // The Alerts panel closes like a menu: Escape, or a click elsewhere.
  settings.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && settings.open) {
      settings.open = false;
      settings.querySelector("summary").focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (settings.open && !settings.contains(event.target)) settings.open = false;
  }, { signal: listening.signal });
  container.replaceChildren(
    el("span", { class: "who" }, "Signed in as ", el("strong", {}, agent.displayName), ` (${agent.username})`),
    presence.element, settings, help, signOut);
  container.hidden = false;
  return presence;
}
