// The flows an agent can launch from a Case: the org's flows that run as the agent (audience
// agent or any; customer flows run in the chat instead), from GET /api/v1/flows.
import { api } from "./api.js";
import { token } from "./token.js";

let listed = null; // asked once per sign-in (the list is the org's)
let listedFor = null;

export function agentFlows() {
  if (!listed || listedFor !== token()) {
    listedFor = token();
    listed = api("/api/v1/flows")
      .then(({ flows }) => flows.filter((f) => f.audience !== "customer"))
      .catch((error) => {
        listed = null; // asked again next time
        throw error;
      });
  }
  return listed;
}
