// What the agent may do in a session, and why not: the console's reading of the server's rules
// (the server still decides; a refusal shows its message). Each returns null when allowed, or
// the sentence shown beside the disabled control.
const LIVE = ["Active", "Inactive"];

function notHers(session, me) {
  if (!session.status) return "Reading the chat…";
  if (session.transferred) return "This chat was transferred away.";
  if (session.status === "Ended") return `The chat has ended.`;
  if (session.agentId !== me.id) return "This chat is not yours.";
  if (!LIVE.includes(session.status)) return `The chat is ${session.status}.`;
  return null;
}

export function whyNotWrite(session, me) {
  if (session.status === "Ended" && session.endedByRole === "EndUser") return "The customer ended the chat.";
  return notHers(session, me);
}

export function whyNotEnd(session, me) {
  return notHers(session, me);
}

export function whyNotMarkInactive(session, me) {
  return notHers(session, me) || (session.status === "Inactive" ? "The chat is already inactive." : null);
}

export function whyNotRequestFile(session, me) {
  return notHers(session, me) || (session.caseId ? null : "Requesting a file needs a Case: create one first.");
}

export function whyNotSendComponent(session, me) {
  return whyNotWrite(session, me);
}

export function whyNotTransfer(session, me) {
  return notHers(session, me);
}

export function whyNotCreateCase(session, me) {
  if (!session.status) return "Reading the chat…";
  if (session.caseId) return "A Case is already linked.";
  if (session.transferred) return "This chat was transferred away.";
  if (session.agentId !== me.id) return "This chat is not yours.";
  return null;
}

export function whyNotLaunchFlow(session, me) {
  return notHers(session, me) || (session.caseId ? null : "Flows start from the Case: create one first.");
}
