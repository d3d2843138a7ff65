// The agent console's entry point: signs in (or picks up the tab's token), then wires the agent
// stream's events to the offers and the workspaces, and the shortcuts to their actions; for
// supervisors and admins, a second view (#supervise) follows their queues and agents, and a third
// (#reports) shows the reports dashboard. Runs on the agent API, the reports API and the agent and
// supervisor streams only.
import { showAccount } from "./account.js";
import { setBaseTitle } from "./alerts.js";
import { announce } from "./announce.js";
import { api, whenUnauthorized } from "./api.js";
import { sawServerTime, setServerTime } from "./clock.js";
import { Dashboard } from "./dashboard.js";
import { el } from "./dom.js";
import { installShortcuts, showHelp } from "./keys.js";
import { Offers } from "./offers.js";
import { showSignIn } from "./signin.js";
import { unlockAudio } from "./sounds.js";
import { AgentStream } from "./stream.js";
import { SupervisorView, supervises } from "./supervisor.js";
import { claims, forget, keep, token } from "./token.js";
import { Workspaces } from "./workspaces.js";

const $ = (id) => document.getElementById(id);
const TITLE = "LiveDesk console";
let session = null; // {me, presence, offers, workspaces, stream, supervisor, dashboard, view} while signed in
const VIEWS = { // view → its element, its link, its skip link's words
  chats: { id: "workspaces", link: "view-chats", skip: "Skip to the workspaces" },
  supervise: { id: "supervise", link: "view-supervise", skip: "Skip to the supervisor view" },
  reports: { id: "reports", link: "view-reports", skip: "Skip to the reports" },
};

function signIn(notice = "") {
  showSignIn($("signin"), {
    notice,
    onSignedIn: ({ accessToken, agent }) => {
      keep(accessToken);
      setServerTime(claims(accessToken).iat * 1000); // the server's clock at sign-in
      start(agent);
    },
  });
}

function start(me) {
  setBaseTitle(`${me.displayName} — ${TITLE}`);
  const workspaces = new Workspaces({ me, tablist: $("tabs"), panels: $("panels"), empty: $("no-workspaces") });
  const offers = new Offers({
    list: $("offers"), empty: $("no-offers"), hint: $("offer-keys"), notes: $("offer-notes"),
    onAccepted: (sessionId, options) => workspaces.open(sessionId, options),
    onCount: (count) => offerCount(count),
  });
  const presence = showAccount($("account"), {
    agent: me, onSignOut: signOut, onHelp: showHelp,
    onPresence: (value) => announce(`You are ${value}.`),
  });
  const stream = new AgentStream({ onEvent: (name, data) => handle(name, data), onState: connection });
  const supervisor = supervises(me) ? new SupervisorView({ root: $("supervise") }) : null;
  const dashboard = supervisor ? new Dashboard({ root: $("reports") }) : null;
  session = { me, presence, offers, workspaces, stream, supervisor, dashboard, view: null };
  $("views").hidden = !supervisor;
  showView({ boot: true });
  stream.start();
}

// ---- the views: the chats (#workspaces) and, for supervisors, #supervise and #reports ----------

function wantedView() {
  if (!session.supervisor) return "chats";
  if (location.hash === "#supervise") return "supervise";
  if (location.hash === "#reports") return "reports";
  if (!location.hash && session.me.capacity === 0) return "supervise"; // she takes no chats
  return "chats";
}

function showView({ boot = false } = {}) {
  if (!session) return;
  const view = wantedView();
  if (view === session.view) return;
  session.view = view;
  $("app").hidden = view !== "chats";
  $("supervise").hidden = view !== "supervise";
  $("reports").hidden = view !== "reports";
  for (const [name, { link }] of Object.entries(VIEWS)) {
    if (name === view) $(link).setAttribute("aria-current", "page");
    else $(link).removeAttribute("aria-current");
  }
  $("skip").href = `#${VIEWS[view].id}`;
  $("skip").textContent = VIEWS[view].skip;
  if (view === "supervise") session.supervisor.show();
  else session.supervisor?.hide();
  if (view === "reports") session.dashboard.show();
  else session.dashboard?.hide();
  if (!boot) $(VIEWS[view].id).focus();
}

/** Alt+Shift+S: the chats or the supervisor view (from the reports: the supervisor view). */
function switchView() {
  if (!session?.supervisor) return;
  location.hash = session.view === "supervise" ? "#workspaces" : "#supervise";
}

/** The offers waiting, on the Chats link (seen from the supervisor view). */
function offerCount(count) {
  const link = $("view-chats");
  link.replaceChildren("Chats");
  if (count) {
    link.append(" ", el("span", { class: "badge" }, String(count)),
      el("span", { class: "visually-hidden" }, count === 1 ? " offer waiting" : " offers waiting"));
  }
}

window.addEventListener("hashchange", () => showView());

/** The stream's state: quiet while it works, "Reconnecting…" while it does not. */
function connection(state, { resumed } = {}) {
  if (!session) return;
  if (state === "open") {
    $("connection").textContent = "";
    // A stream without a cursor starts from now: read what is there (and, after a drop before
    // any event came, what the open workspaces missed). A resumed one replays what it missed,
    // offers included: their countdowns count from the server's clock read again.
    if (!resumed) restore(session.opened);
    else resyncClock();
    session.opened = true;
  } else if (state === "reconnecting") {
    $("connection").textContent = "Reconnecting…";
  } else if (state === "unauthorized") {
    signedOut("Your session has ended. Sign in again.");
  }
}

/** After (re)loading: offers waiting for an answer and work accepted, from GET /api/v1/work. */
async function restore(again = false) {
  const current = session;
  try {
    const [{ work, now }, me] = await Promise.all([api("/api/v1/work"), api("/api/v1/me")]);
    if (session !== current) return;
    setServerTime(now); // the server's time as it answered: restored offers count from it
    current.presence.show(me.presence);
    if (again) current.workspaces.each((workspace) => workspace.load());
    for (const item of work.filter((w) => w.status === "Opened")) current.workspaces.open(item.sessionId);
    await current.offers.restore(work);
  } catch (error) {
    if (error.status !== 401) $("connection").textContent = `Could not read your work: ${error.message}`;
  }
}

/** After a reconnect: the server's time again (offers made meanwhile show their time left). */
async function resyncClock() {
  const current = session;
  try {
    const { now } = await api("/api/v1/work");
    if (session !== current) return;
    setServerTime(now);
    current.offers.recount();
  } catch {
    /* the countdowns keep the estimate they had */
  }
}

function handle(name, data) {
  if (!session) return;
  const { offers, workspaces } = session;
  const workspace = () => workspaces.get(data.sessionId);
  switch (name) {
    case "WorkOffered":
      offers.add(data);
      break;
    case "WorkCancelled":
      offers.cancelled(data);
      break;
    case "WorkAccepted": {
      offers.acceptedElsewhere(data.sessionId);
      const known = workspaces.get(data.sessionId);
      if (known) known.load(); // hers again (after a re-route): read its state afresh
      else workspaces.open(data.sessionId);
      break;
    }
    case "ConversationEntry": {
      const ws = workspace();
      if (!ws) {
        sawServerTime(data.transcriptedTimestamp ?? data.timestamp);
        workspaces.keepEarly(data);
      } else if (ws.entry(data)) {
        workspaces.arrived(ws);
      }
      break;
    }
    case "SessionStatusChanged":
      workspace()?.status(data);
      break;
    case "AgentInputSet": {
      const ws = workspace();
      if (ws) {
        ws.agentInput(data);
        if (workspaces.current() !== ws) announce(`A suggested reply is ready for ${ws.name()}.`);
      }
      break;
    }
    case "FlowScreen":
      workspaces.byInterview(data)?.flowScreen(data);
      break;
    case "FileReceived":
      workspace()?.fileReceived(data);
      break;
    default:
      break; // an event this console does not know yet
  }
}

async function signOut() {
  try {
    await api("/api/v1/auth/logout", { method: "POST" });
  } catch {
    /* signed out here whatever the server says */
  }
  signedOut("You are signed out.");
}

function signedOut(notice) {
  if (session) {
    session.stream.stop();
    session.offers.clear();
    session.workspaces.closeAll();
    session.supervisor?.destroy();
    session.dashboard?.destroy();
    session = null;
  }
  forget();
  $("app").hidden = true;
  $("supervise").hidden = true;
  $("reports").hidden = true;
  $("views").hidden = true;
  $("account").hidden = true;
  $("account").replaceChildren();
  $("connection").textContent = "";
  setBaseTitle(TITLE);
  signIn(notice);
}

/** Alt+Shift+A / Alt+Shift+D: the oldest offer, or a word that there is none. */
function answerOldest(verb) {
  if (!session) return;
  const offer = session.offers.oldest();
  if (offer) session.offers.answer(offer.workId, verb);
  else announce("No chat is offered right now.");
}

installShortcuts({
  accept: () => answerOldest("accept"),
  decline: () => answerOldest("decline"),
  tab: (index) => session?.workspaces.selectIndex(index),
  message: () => session?.workspaces.current()?.composer.focus(),
  presence: () => session?.presence.select.focus(),
  view: switchView,
  help: () => { if (session) showHelp(); },
});
document.addEventListener("pointerdown", unlockAudio, { capture: true });
document.addEventListener("keydown", unlockAudio, { capture: true });
whenUnauthorized(() => { if (session) signedOut("Your session has ended. Sign in again."); });

async function boot() {
  if (!token()) {
    signIn();
    return;
  }
  try {
    start(await api("/api/v1/me"));
  } catch (error) {
    forget();
    signIn(error.status === 401 ? "Your session has ended. Sign in again." : error.message);
  }
}

boot();
