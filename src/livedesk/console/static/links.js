// A message's text with its web addresses made clickable: the text stays text (text nodes),
// and only http and https addresses become <a> elements, built one by one, opening in a new tab
// without handing over this page (rel="noopener noreferrer").
const ADDRESS = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING = /[.,;:!?)\]}'"»]+$/;

export function linkified(text) {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(ADDRESS)) {
    let address = match[0];
    const trailing = address.match(TRAILING);
    if (trailing) address = address.slice(0, -trailing[0].length);
    const safe = safeHref(address);
    if (!safe) continue;
    fragment.append(document.createTextNode(text.slice(last, match.index)));
    const link = document.createElement("a");
    link.href = safe;
    link.rel = "noopener noreferrer";
    link.target = "_blank";
    link.textContent = address;
    fragment.append(link);
    last = match.index + address.length;
  }
  fragment.append(document.createTextNode(text.slice(last)));
  return fragment;
}

function safeHref(address) {
  try {
    const parsed = new URL(address);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}
