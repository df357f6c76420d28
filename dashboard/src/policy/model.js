// The visual editor's model of a policy document, and back. Lossless: toDocument(toModel(doc)) equals doc for
// every valid document, so the YAML/JSON view and the visual view can be switched at will.
//
// Conditions (business-rules: nested {all: [...]} / {any: [...]} with {name, operator, value} leaves) become
// react-querybuilder groups ({combinator: "and" | "or", rules}); everything else of a rule stays as it is.

import YAML from "yaml";

let counter = 0;
const nextId = () => `n${++counter}`;

export function conditionsToQuery(node) {
  if (node == null) return null;
  const key = Object.prototype.hasOwnProperty.call(node, "all") ? "all" : "any";
  return {
    id: nextId(),
    combinator: key === "all" ? "and" : "or",
    rules: (node[key] || []).map((child) =>
      child && (Object.prototype.hasOwnProperty.call(child, "all") || Object.prototype.hasOwnProperty.call(child, "any"))
        ? conditionsToQuery(child)
        : leafToRule(child),
    ),
  };
}

function leafToRule(leaf) {
  const { name, operator, value, ...rest } = leaf;
  const hasValue = Object.prototype.hasOwnProperty.call(leaf, "value");
  return { id: nextId(), field: name, operator, value: hasValue ? value : "", hasValue, extra: rest };
}

export function queryToConditions(group) {
  if (group == null) return undefined;
  const key = group.combinator === "or" ? "any" : "all";
  return {
    [key]: group.rules.map((rule) => (rule.rules ? queryToConditions(rule) : ruleToLeaf(rule))),
  };
}

function ruleToLeaf(rule) {
  const leaf = { name: rule.field, operator: rule.operator };
  if (rule.hasValue !== false) leaf.value = rule.value;
  return { ...leaf, ...(rule.extra || {}) };
}

export function toModel(document) {
  const doc = document || {};
  const rules = Array.isArray(doc.rules) ? doc.rules : [];
  return {
    document: doc,
    rules: rules.map((rule) => {
      const { conditions, ...rest } = rule || {};
      return {
        key: nextId(),
        rule: rest,
        hasConditions: Object.prototype.hasOwnProperty.call(rule || {}, "conditions"),
        query: conditions == null ? { id: nextId(), combinator: "and", rules: [] } : conditionsToQuery(conditions),
      };
    }),
  };
}

export function toDocument(model) {
  const doc = { ...model.document };
  const hadRules = Object.prototype.hasOwnProperty.call(model.document || {}, "rules");
  const rules = model.rules.map(({ rule, query, hasConditions }) => {
    const out = {};
    // Keep the author's key order: conditions where it was, after description/priority otherwise.
    const order = Object.keys(rule);
    const at = order.indexOf("actions");
    const keys = at >= 0 ? [...order.slice(0, at), "conditions", ...order.slice(at)] : [...order, "conditions"];
    for (const key of keys) {
      if (key === "conditions") {
        if (hasConditions || query.rules.length) out.conditions = queryToConditions(query);
      } else out[key] = rule[key];
    }
    return out;
  });
  if (hadRules || rules.length) doc.rules = rules;
  return doc;
}

/** The document path (as the validator reports it) of a condition at react-querybuilder ``path`` in ``query``. */
export function conditionPath(ruleIndex, query, path) {
  let node = query;
  let result = `$.rules[${ruleIndex}].conditions`;
  for (const index of path) {
    result += `.${node.combinator === "or" ? "any" : "all"}[${index}]`;
    node = node.rules[index];
  }
  return result;
}

/** Reorder ``rules`` (drag and drop or keyboard) and give them priorities that rank them in the new order. */
export function moveRule(rules, from, to) {
  if (to < 0 || to >= rules.length || from === to) return rules;
  const moved = [...rules];
  const [item] = moved.splice(from, 1);
  moved.splice(to, 0, item);
  const priorities = rules.map((r) => Number(r.rule.priority ?? 0)).sort((a, b) => b - a);
  const distinct = priorities.every((p, i) => i === 0 || p < priorities[i - 1]);
  return moved.map((r, i) => {
    const priority = distinct ? priorities[i] : (moved.length - i) * 10;
    return r.rule.priority === priority ? r : { ...r, rule: { ...r.rule, priority } };
  });
}

export function newRule(existing) {
  const ids = new Set(existing.map((r) => r.rule.id));
  let n = existing.length + 1;
  while (ids.has(`rule-${n}`)) n += 1;
  return {
    key: nextId(),
    rule: { id: `rule-${n}`, description: "", priority: 10, actions: [] },
    hasConditions: true,
    query: { id: nextId(), combinator: "and", rules: [] },
  };
}

/**
 * The policy text as the server reads it (rules/source.py): YAML 1.1, with up to 1000 aliases (MAX_ALIASES), so a
 * policy the server accepted also opens here (the yaml library's own default allows only 100).
 */
export const MAX_ALIASES = 1000;
// The yaml library counts one more than the aliases written (1000 aliases of one anchor count 1001): + 1.
export const parsePolicyText = (text) => YAML.parse(text, { version: "1.1", maxAliasCount: MAX_ALIASES + 1 });
