// Edits of the calendar, SLA and escalation sections as pure functions: the forms call them, the tests check the
// exact documents they give. A key the merchant does not touch keeps its value, its form and its place.

const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);

/** ``object`` with ``key`` set to ``value`` in its place (appended when new), or without it when ``value`` is undefined. */
export function withKey(object, key, value) {
  const base = isObject(object) ? object : {};
  if (value === undefined) {
    const { [key]: _dropped, ...rest } = base;
    return rest;
  }
  return { ...base, [key]: value };
}

/** ``object``, or undefined when it has no key left (an emptied section disappears from the document). */
export const unlessEmpty = (object) => (isObject(object) && Object.keys(object).length === 0 ? undefined : object);

/** A number field's value: "" (cleared) is undefined. */
export const numberOrUndefined = (text) => (text === "" || text === null ? undefined : Number(text));

// ---- lists (extra holidays, recipients, tiers)

export const listSet = (list, index, value) => (list || []).map((item, i) => (i === index ? value : item));
export const listRemove = (list, index) => (list || []).filter((_, i) => i !== index);
export const listAdd = (list, value) => [...(list || []), value];

/** ``days`` with ``day`` on or off; a day switched on takes its place in the week (``week``: the schema's order). */
export function toggleWeekday(days, day, on, week) {
  const current = days || [];
  if (!on) return current.filter((d) => d !== day);
  if (current.includes(day)) return current;
  return week.filter((d) => d === day || current.includes(d)).concat(current.filter((d) => !week.includes(d)));
}

// ---- calendar

/** The holiday country setting: "default" (absent: defaults.country), "none" (null) or "country" (a code). */
export function holidaysMode(calendar) {
  if (!isObject(calendar) || !("holidays_country" in calendar)) return "default";
  return calendar.holidays_country === null ? "none" : "country";
}

export function setHolidaysMode(calendar, mode, country = "") {
  if (mode === "default") return withKey(calendar, "holidays_country", undefined);
  if (mode === "none") return withKey(calendar, "holidays_country", null);
  return withKey(calendar, "holidays_country", country);
}

/** Opening hours: both times set, or none (whole days). */
export function setWorkingHours(calendar, start, end) {
  if (!start && !end) return withKey(calendar, "working_hours", undefined);
  const hours = isObject(calendar?.working_hours) ? calendar.working_hours : {};
  return withKey(calendar, "working_hours", { ...hours, start, end });
}

// ---- service targets per case kind

/**
 * The first-response target of ``targets`` as the form shows it: hours and clock, whichever way it is written
 * (``first_response: {hours, clock}``, or ``first_response_hours``, which counts working hours).
 */
export function firstResponse(targets) {
  if (isObject(targets?.first_response)) {
    return { hours: targets.first_response.hours, clock: targets.first_response.clock, form: "first_response" };
  }
  if (targets && targets.first_response_hours != null) {
    return { hours: targets.first_response_hours, clock: "working", form: "first_response_hours" };
  }
  return { hours: undefined, clock: "working", form: null };
}

/** ``targets`` with the first-response hours and clock; ``hours`` undefined removes the target. */
export function setFirstResponse(targets, hours, clock) {
  const { form } = firstResponse(targets);
  if (hours === undefined) {
    return withKey(withKey(targets, "first_response", undefined), "first_response_hours", undefined);
  }
  // The shorthand stays the shorthand while it can say it (working hours); a calendar clock needs the long form.
  if (form === "first_response_hours" && clock === "working") return withKey(targets, "first_response_hours", hours);
  const rest = form === "first_response_hours" ? withKey(targets, "first_response_hours", undefined) : targets;
  const current = isObject(rest?.first_response) ? rest.first_response : {};
  return withKey(rest, "first_response", { ...current, hours, clock });
}

/** ``sla`` with the targets of case ``kind`` replaced (an emptied kind, then an emptied section, disappear). */
export const setKindTargets = (sla, kind, targets) => unlessEmpty(withKey(sla, kind, unlessEmpty(targets)));

// ---- escalation paths

/** ``escalation`` with path ``from`` renamed ``to``, in its place. */
export function renamePath(escalation, from, to) {
  return Object.fromEntries(Object.entries(escalation || {}).map(([name, tiers]) => [name === from ? to : name, tiers]));
}

/** A name for a new path or tier that is not taken yet: ``base``, ``base-2``, ... */
export function freeName(taken, base) {
  const names = new Set(taken);
  if (!names.has(base)) return base;
  let n = 2;
  while (names.has(`${base}-${n}`)) n += 1;
  return `${base}-${n}`;
}

/** A new tier after ``tiers``: a fresh name, reached a day after the last one. */
export function newTier(tiers) {
  const last = (tiers || [])[(tiers || []).length - 1];
  return { name: freeName((tiers || []).map((t) => t.name), "tier"), after_hours: Number(last?.after_hours ?? 0) + (last ? 24 : 0) };
}

/** ``notify`` text (comma separated) as a list of recipients. */
export const recipients = (text) => text.split(",").map((s) => s.trim()).filter(Boolean);
