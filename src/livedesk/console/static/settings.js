// The agent's settings kept in this browser (localStorage): whether new offers ring and whether
// the tab's title flashes. Both are on until turned off.
const KEY = "livedesk.console.settings";
const DEFAULTS = { ring: true, flash: true };
const listeners = new Set();

function load() {
  try {
    return { ...DEFAULTS, ...JSON.parse(localStorage.getItem(KEY) || "{}") };
  } catch {
    return { ...DEFAULTS };
  }
}

let current = load();

export function setting(name) {
  return current[name];
}

export function change(name, value) {
  current = { ...current, [name]: value };
  try {
    localStorage.setItem(KEY, JSON.stringify(current));
  } catch {
    /* kept for this page only */
  }
  listeners.forEach((listener) => listener(name, value));
}

export function onChange(listener) {
  listeners.add(listener);
}

window.addEventListener("storage", (event) => {
  if (event.key === KEY) current = load(); // changed in another tab
});
