// The server's clock, as this page knows it. Offers expire on the server's time (`expiresAt`),
// and the server's clock need not agree with this machine's (tests even run it on a fake clock),
// so no deadline is ever compared with Date.now(): the console estimates the server's "now" from
// the server's own timestamps (the token's `iat` at sign-in, the time of every entry it
// receives) and counts from there on this machine's monotonic clock.
const KEY = "livedesk.console.clock";
let offset = read(); // the server's time minus local(), in ms; null: nothing seen yet

function local() {
  return performance.timeOrigin + performance.now(); // monotonic within the page
}

function read() {
  try {
    const stored = sessionStorage.getItem(KEY);
    return stored === null ? null : Number(stored);
  } catch {
    return null;
  }
}

function write() {
  try {
    sessionStorage.setItem(KEY, String(offset));
  } catch {
    /* kept in memory only */
  }
}

/** The server says its time is `serverMs` (ms) now: a sign-in sets the estimate afresh. */
export function setServerTime(serverMs) {
  if (!Number.isFinite(serverMs)) return;
  offset = serverMs - local();
  write();
}

/** The server's time was at least `serverMs` when this arrived (a timestamp it wrote): the
 *  estimate only ever moves forward. */
export function sawServerTime(serverMs) {
  if (!Number.isFinite(serverMs)) return;
  const candidate = serverMs - local();
  if (offset === null || candidate > offset) {
    offset = candidate;
    write();
  }
}

/** The server's time now, as estimated. */
export function serverNow() {
  return local() + (offset ?? 0);
}

/** This machine's monotonic time (ms): deadlines computed once are counted on it. */
export function localNow() {
  return local();
}
