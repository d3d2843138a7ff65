// Who the customer is, from the session's routing attributes (the pre-chat answers): her name
// and the topic she chose. Values are shown as text wherever they go.
function pick(attrs, ...names) {
  for (const name of names) {
    const value = attrs && attrs[name];
    if (typeof value === "string" && value.trim()) return value.trim();
  }
  return "";
}

export function customerName(attrs) {
  const first = pick(attrs, "_firstName", "firstName", "FirstName");
  const last = pick(attrs, "_lastName", "lastName", "LastName");
  return [first, last].filter(Boolean).join(" ") || pick(attrs, "name", "Name") || "Customer";
}

export function topicOf(attrs) {
  return pick(attrs, "Topic", "topic", "_topic");
}

export function emailOf(attrs) {
  return pick(attrs, "_email", "email", "Email");
}

/** A routing attribute's name as a person reads it: "_firstName" → "First name". */
export function labelOf(name) {
  const words = name.replace(/^_+/, "").replace(/__c$/, "").replace(/_/g, " ")
    .replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
