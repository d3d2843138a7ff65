// Getting the agent's attention while an offer waits: the ring every few seconds and the tab's
// title flashing (each can be turned off in the settings), and one desktop notification per
// offer where the agent allowed them (asked from a button, never on load). All stop as soon as
// no offer waits. When the browser does not let the page ring yet (a reload, and no click
// since), a hint says so (#sound-hint, a live region) until the agent clicks or presses a key.
import { ring, soundLocked, whenSoundUnlocked } from "./sounds.js";
import { setting } from "./settings.js";

const SOUND_HINT = "Click anywhere to turn the offer sound on";

const RING_EVERY_MS = 4000;
const FLASH_EVERY_MS = 1000;
let waiting = 0;
let ringTimer = null;
let flashTimer = null;
let flashOn = false;
let baseTitle = document.title;
const notified = new Map(); // offer id → Notification

/** How many offers wait now: starts or stops the ring and the flashing title. */
export function offersWaiting(count) {
  const before = waiting;
  waiting = count;
  if (count > 0 && before === 0) {
    if (setting("ring")) {
      ring();
      soundLocked().then((locked) => soundHint(locked && waiting > 0 && setting("ring")));
    }
    ringTimer = setInterval(() => { if (setting("ring")) ring(); }, RING_EVERY_MS);
    flashTimer = setInterval(flash, FLASH_EVERY_MS);
  } else if (count === 0 && before > 0) {
    clearInterval(ringTimer);
    clearInterval(flashTimer);
    ringTimer = flashTimer = null;
    flashOn = false;
    document.title = baseTitle;
    soundHint(false);
  }
}

function soundHint(on) {
  const hint = document.getElementById("sound-hint");
  if (hint && hint.textContent !== (on ? SOUND_HINT : "")) hint.textContent = on ? SOUND_HINT : "";
}

whenSoundUnlocked(() => {
  const shown = !!document.getElementById("sound-hint")?.textContent;
  soundHint(false);
  if (shown && waiting > 0 && setting("ring")) ring(); // the offer she could not hear
});

function flash() {
  if (!setting("flash")) {
    if (flashOn) { flashOn = false; document.title = baseTitle; }
    return;
  }
  flashOn = !flashOn;
  document.title = flashOn ? `(${waiting}) New chat offer` : baseTitle;
}

/** The page's usual title (the agent's name in it). */
export function setBaseTitle(title) {
  baseTitle = title;
  if (!flashOn) document.title = title;
}

export function notificationsSupported() {
  return "Notification" in window;
}

export function notificationPermission() {
  return notificationsSupported() ? Notification.permission : "unsupported";
}

/** Asks the browser's permission (from a button the agent pressed). */
export async function askNotifications() {
  if (!notificationsSupported()) return "unsupported";
  try {
    return await Notification.requestPermission();
  } catch {
    return Notification.permission;
  }
}

/** A desktop notification for a new offer, when allowed and the page is not in view. */
export function notifyOffer(id, title, body, onClick) {
  if (notificationPermission() !== "granted" || document.visibilityState === "visible") return;
  try {
    const note = new Notification(title, { body, tag: `offer-${id}`, requireInteraction: true });
    note.onclick = () => { window.focus(); onClick(); note.close(); };
    notified.set(id, note);
  } catch {
    /* some browsers allow notifications only from a service worker */
  }
}

/** The offer was answered or taken back: its notification goes too. */
export function forgetOffer(id) {
  const note = notified.get(id);
  if (note) note.close();
  notified.delete(id);
}
