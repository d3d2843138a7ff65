// Signing in: username and password (POST /api/v1/auth/login). Logins are scoped to an org:
// when the same username and password exist in several orgs the server answers 400
// `org_required`, and the form asks for the Organization too. Refusals are shown with the
// server's own sentence.
import { api } from "./api.js";
import { el } from "./dom.js";

export function showSignIn(container, { onSignedIn, notice = "" }) {
  const username = el("input", { type: "text", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" });
  const password = el("input", { type: "password", autocomplete: "current-password", required: true });
  const org = el("input", { type: "text", autocomplete: "organization", spellcheck: "false" });
  const orgField = el("label", { hidden: true }, "Organization", org);
  const orgHint = el("p", { class: "reason", hidden: true }, "Your organization's id, such as 00DLD0000000001.");
  const error = el("p", { class: "error", role: "alert" });
  const said = el("p", { class: "quiet", role: "status" }, notice);
  const button = el("button", { type: "submit", class: "primary" }, "Sign in");
  const form = el("form", { "aria-labelledby": "signin-title", novalidate: true },
    el("h2", { id: "signin-title" }, "Sign in to the agent console"), said,
    el("label", {}, "Username", username),
    el("label", {}, "Password", password),
    orgField, orgHint, error, button);
  container.replaceChildren(form);
  container.hidden = false;
  username.focus();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    said.textContent = "";
    if (!username.value.trim() || !password.value) {
      error.textContent = "Enter your username and password.";
      (username.value.trim() ? password : username).focus();
      return;
    }
    const body = { username: username.value.trim(), password: password.value };
    if (!orgField.hidden && org.value.trim()) body.orgId = org.value.trim();
    button.disabled = true;
    try {
      const answer = await api("/api/v1/auth/login", { method: "POST", json: body, auth: false });
      password.value = "";
      container.hidden = true;
      container.replaceChildren();
      onSignedIn(answer);
    } catch (refusal) {
      error.textContent = refusal.message;
      if (refusal.code === "org_required") {
        orgField.hidden = false;
        orgHint.hidden = false;
        org.focus();
      } else {
        password.select();
        password.focus();
      }
    } finally {
      button.disabled = false;
    }
  });
}
