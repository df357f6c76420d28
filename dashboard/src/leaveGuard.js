// Work a page would lose if the user left it: the page sets what to ask, navigation asks before leaving.
let question = null;

export function guardLeaving(message) {
  question = message || null;
}

export function mayLeave(confirm = (text) => window.confirm(text)) {
  if (!question) return true;
  if (!confirm(question)) return false;
  question = null;
  return true;
}
