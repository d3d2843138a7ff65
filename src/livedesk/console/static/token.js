// The agent's token: kept in sessionStorage (this tab only, gone when the tab closes), never in
// a URL. Everything that calls the server reads it from here.
const KEY = "livedesk.console.token";
let memory = null; // when storage is refused (private mode), the token lives as long as the page

export function token() {
  try {
    return sessionStorage.getItem(KEY) || memory;
  } catch {
    return memory;
  }
}

export function keep(value) {
  memory = value;
  try {
    sessionStorage.setItem(KEY, value);
  } catch {
    /* kept in memory only */
  }
}

export function forget() {
  memory = null;
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    /* nothing was kept */
  }
}

/** The token's claims (`iat`, `exp`…), read without checking them: the server does. */
export function claims(value = token()) {
  try {
    const part = value.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part));
  } catch {
    return {};
  }
}
