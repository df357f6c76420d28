// What the case page says in words: the policy's decision and who did what on the timeline.

/** A code as words, for a reason the answer has no text for: "defect_claim" -> "Defect claim." */
export function humanise(code) {
  const words = String(code || "").replace(/[_-]+/g, " ").trim();
  return words ? `${words.charAt(0).toUpperCase()}${words.slice(1)}.` : "";
}

/** A line's reasons as the policy words them (``reasonTexts``), else its codes as words. */
export function lineReasons(line) {
  const texts = line.reasonTexts?.length ? line.reasonTexts.map((r) => r.text) : (line.reasons || []).map(humanise);
  return texts.filter(Boolean).join(" ");
}

/** The decision in sentences of the reader's language (``t``). */
export function explain(caseData, t) {
  const d = caseData.decision || {};
  const parts = [];
  if (d.eligible === true) parts.push(t("decisionAccepts"));
  if (d.eligible === false) parts.push(t("decisionRefuses"));
  if (d.reviewRequired) parts.push(t("decisionReview"));
  if (d.photosRequired) parts.push(t("decisionPhotos", { count: d.photosRequired }));
  if (d.resolutions?.length) {
    parts.push(t("decisionResolutions", { list: d.resolutions.map((r) => t(`resolution_${r}`, {}, r.toLowerCase())).join(t("listSeparator")) }));
  }
  for (const line of caseData.lines || []) {
    const reasons = lineReasons(line);
    if (reasons) parts.push(`${line.productName || line.sku}: ${reasons}`);
  }
  if (d.policyVersion) parts.push(t("decisionVersion", { version: d.policyVersion }));
  return parts.join(" ");
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** Who acted, for the timeline: an email when the event names one, else the kind of actor in words ("Staff"). */
export function actorLabel(event, t) {
  const named = event.actorEmail || event.actorName || (EMAIL.test(event.actorId || "") ? event.actorId : "");
  const kind = t(`actor_${event.actorType}`, {}, humanise(event.actorType).replace(/\.$/, ""));
  return named ? `${kind} ${named}` : kind;
}

/** The conditions staff may record at inspection (the API refuses UNKNOWN: it is what a line is before inspection). */
export const INSPECTION_CONDITIONS = ["UNOPENED", "OPENED", "USED", "DAMAGED", "DEFECTIVE", "MISSING_PARTS"];

/** The condition shown for ``line``: the one chosen, else the one recorded, else "" (nothing chosen yet). */
export function chosenCondition(line, chosen) {
  const condition = chosen[line.orderLineId] || line.condition || "";
  return INSPECTION_CONDITIONS.includes(condition) ? condition : "";
}

/** The inspection to send: ``{lines}`` with every line's condition, or ``{missing}`` (lines without one). */
export function inspection(lines, chosen) {
  const sent = lines.map((l) => ({ lineId: l.orderLineId, condition: chosenCondition(l, chosen) }));
  const missing = sent.filter((l) => !l.condition).map((l) => l.lineId);
  return missing.length ? { missing } : { lines: sent };
}

/** Whether ``text`` is an amount the API reads (a decimal with a dot, e.g. 12.50); an empty amount is no override. */
export function validAmount(text) {
  const trimmed = (text || "").trim();
  return trimmed === "" || /^\d+(\.\d+)?$/.test(trimmed);
}

/** A GraphQL variable refused before the API ran (``Variable "$amount" got invalid value ...``): its name, else "". */
export function refusedVariable(message) {
  return /Variable "\$(\w+)" got invalid value/.exec(message || "")?.[1] || "";
}
