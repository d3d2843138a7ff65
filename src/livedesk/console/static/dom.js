// Building the page's elements. Text is always text: it goes in through textContent or text
// nodes, never through innerHTML; attributes are set one by one.

/** An element: `el("button", {type: "button", "aria-label": "Close"}, "Close", otherNode)`.
 *  Attributes with the value null, undefined or false are left out; true sets an empty one. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, ...children);
  return node;
}

/** Appends strings (as text), nodes and arrays of either; skips null and undefined. */
export function append(node, ...children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Removes every child of `node`. */
export function clear(node) {
  node.replaceChildren();
  return node;
}

/** A fresh id for aria-labelledby / aria-describedby / aria-controls pairs. */
let counter = 0;
export function uniqueId(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** A labelled control: <label for=…>text</label> before the control (a label wrapped around a
 *  <select> would put the chosen option into the control's accessible name). */
export function field(text, control, attrs = {}) {
  if (!control.id) control.id = uniqueId("field");
  return el("span", { class: "field", ...attrs }, el("label", { for: control.id }, text), control);
}
