// Work a page would lose if the user left it: the page says what to ask, navigation asks before leaving. The question
// is asked in the page (the app's own dialog), not with window.confirm: the Dashboard frames apps in a sandbox
// without allow-modals, where the browser ignores confirm() and it answers "no" without asking.
let question = null;

export function guardLeaving(message) {
  question = message || null;
}

/** Leave at once when nothing would be lost; else hand ``ask`` the question and the way to leave anyway. */
export function requestLeave(leave, ask) {
  if (!question) {
    leave();
    return;
  }
  const asked = question;
  ask({
    question: asked,
    leave: () => {
      question = null;
      leave();
    },
  });
}
