// What a screen reader says of things that happen away from the focus: a new offer, a new
// message in another workspace. Two live regions of the page (polite, and assertive for what
// needs an answer now); the same sentence twice in a row is still read.
function region(politeness) {
  return document.getElementById(politeness === "assertive" ? "announce-assertive" : "announce-polite");
}

export function announce(sentence, politeness = "polite") {
  const node = region(politeness);
  if (!node) return;
  node.textContent = "";
  setTimeout(() => { node.textContent = sentence; }, 50);
}
