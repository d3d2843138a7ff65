// Keyboard first: the console's shortcuts and the help dialog that lists them. Alt+Shift with a
// letter or digit, which browsers leave to pages (plain Alt+D, Alt+1… belong to the browser on
// Windows and Linux); keys are read by their position (event.code), so any layout works.
import { el } from "./dom.js";

export const SHORTCUTS = [
  ["Alt+Shift+A", "Accept the oldest chat offer"],
  ["Alt+Shift+D", "Decline the oldest chat offer"],
  ["Alt+Shift+1 … 9", "Go to workspace 1 … 9"],
  ["← →", "Move between workspace tabs (on a tab)"],
  ["Alt+Shift+M", "Go to the message box"],
  ["Enter or Ctrl+Enter", "Send the message"],
  ["Shift+Enter", "New line in the message"],
  ["/", "Insert a quick text (in the message box, at the start or after a space)"],
  ["↑ ↓, Enter", "Choose a quick text, insert it"],
  ["Alt+Shift+P", "Go to the presence switch"],
  ["Alt+Shift+S", "Switch between the chats and the supervisor view (supervisors; from the reports: the supervisor view)"],
  ["?", "Show these shortcuts (outside a text field)"],
  ["Escape", "Close a dialog"],
];

function typingIn(target) {
  return target instanceof HTMLElement && (target.isContentEditable ||
    ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

/** handlers: accept(), decline(), tab(index), message(), presence(), view(), help() */
export function installShortcuts(handlers) {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented) return;
    if (event.altKey && event.shiftKey && !event.ctrlKey && !event.metaKey) {
      const code = event.code;
      let done = true;
      if (code === "KeyA") handlers.accept();
      else if (code === "KeyD") handlers.decline();
      else if (code === "KeyM") handlers.message();
      else if (code === "KeyP") handlers.presence();
      else if (code === "KeyS") handlers.view();
      else if (/^Digit[1-9]$/.test(code)) handlers.tab(Number(code.slice(5)) - 1);
      else done = false;
      if (done) event.preventDefault();
      return;
    }
    if (event.key === "?" && !event.ctrlKey && !event.metaKey && !event.altKey && !typingIn(event.target)) {
      event.preventDefault();
      handlers.help();
    }
  });
}

/** The help dialog (the page's <dialog id="help">). */
export function showHelp() {
  const dialog = document.getElementById("help");
  const close = el("button", { type: "button", class: "primary" }, "Close");
  close.addEventListener("click", () => dialog.close());
  dialog.replaceChildren(
    el("h2", { id: "help-title" }, "Keyboard shortcuts"),
    el("table", {},
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Keys"), el("th", { scope: "col" }, "Does"))),
      el("tbody", {}, SHORTCUTS.map(([keys, what]) =>
        el("tr", {}, el("td", {}, el("kbd", {}, keys)), el("td", {}, what))))),
    el("p", { class: "quiet" }, "Every control is also reachable with Tab."),
    el("div", { class: "buttons" }, close));
  if (!dialog.open) dialog.showModal();
  close.focus();
}
