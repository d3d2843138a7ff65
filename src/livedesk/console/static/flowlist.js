// The flows an agent can launch from a Case, from GET /api/v1/flows: those that run as the agent
// (audience agent or any: started here, shown in the flow panel) and customer flows (sent into
// the chat with the launchFlow action, answered by the customer there).
import { api } from "./api.js";
import { token } from "./token.js";

let listed = null; // asked once per sign-in (the list is the org's)
let listedFor = null;

export function orgFlows() {
  if (!listed || listedFor !== token()) {
    listedFor = token();
    listed = api("/api/v1/flows")
      .then(({ flows }) => flows)
      .catch((error) => {
        listed = null; // asked again next time
        throw error;
      });
  }
  return listed;
}
