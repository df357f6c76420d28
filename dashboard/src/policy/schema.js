// The policy's JSON Schema (rules/policy.schema.json, generated from the validator's models) as the forms read it:
// which fields a section has, their choices, ranges, defaults and help texts. The builder API may hand the schema
// over (``jsonSchema``); otherwise the copy built into the app, from the same package version, is used.
import bundledSchema from "../../../saleor_aftersales_plugin/rules/policy.schema.json";

export function policySchema(builder) {
  const given = builder?.jsonSchema;
  if (typeof given === "string") return JSON.parse(given);
  return given || bundledSchema;
}

/** ``node`` with its ``$ref`` followed and a nullable ``anyOf [X, null]`` unwrapped to X (annotations kept). */
export function resolve(schema, node) {
  let current = node || {};
  for (let guard = 0; guard < 10; guard += 1) {
    if (current.$ref) {
      const name = current.$ref.replace("#/$defs/", "");
      const { $ref, ...annotations } = current;
      current = { ...schema.$defs[name], ...annotations };
    } else if (Array.isArray(current.anyOf)) {
      const options = current.anyOf.filter((option) => option.type !== "null");
      if (options.length !== 1) return current;
      const { anyOf, ...annotations } = current;
      current = { ...options[0], ...annotations };
    } else return current;
  }
  return current;
}

/** The schema of the document part at ``path`` (property names; "*" for a map's values, "[]" for list items). */
export function schemaAt(schema, path) {
  let node = resolve(schema, schema);
  for (const step of path) {
    if (step === "[]") node = resolve(schema, node.items);
    else if (step === "*") node = resolve(schema, node.additionalProperties);
    else node = resolve(schema, node.properties?.[step]);
  }
  return node;
}

/** The properties of an object schema at ``path`` as ``[name, resolved schema]``, in the schema's order. */
export function propertiesAt(schema, path) {
  const node = schemaAt(schema, path);
  return Object.entries(node.properties || {}).map(([name, child]) => [name, resolve(schema, child)]);
}

/** A number field's documented range and step, for ``<input type="number">``. */
export function numberRange(node) {
  const option = (node.anyOf || []).find((o) => o.type === "number" || o.type === "integer") || node;
  return {
    min: option.minimum ?? undefined,
    max: option.maximum ?? undefined,
    step: option.type === "integer" ? 1 : "any",
  };
}

/** Whether ``node`` accepts money (``{amount, currency}`` or a per-currency map), alone or among other forms. */
export function acceptsMoney(schema, node, depth = 0) {
  const item = resolve(schema, node);
  if (depth > 4) return false;
  if (item.type === "object" && item.properties?.amount && item.properties?.currency) return true;
  return [...(item.oneOf || []), ...(item.anyOf || [])].some((option) => acceptsMoney(schema, option, depth + 1));
}

/** The parameter schema of action ``name`` (e.g. add_fee -> $defs.AddFeeParams). */
export function actionParamsSchema(schema, name) {
  const defName = name.split("_").map((part) => part[0].toUpperCase() + part.slice(1)).join("") + "Params";
  return resolve(schema, schema.$defs?.[defName] || {});
}

/** The enumeration of ``node`` or of its list items. */
export function choices(schema, node) {
  return node.enum || resolve(schema, node.items)?.enum || [];
}

/**
 * How an action parameter is edited: "money", "number" (a number that may also be written as money: add_fee's
 * percentage for kind percent), "object" (a small object, e.g. set_sla's first_response) or "plain".
 */
export function paramKind(schema, node, value, params = {}) {
  if (acceptsMoney(schema, node)) {
    const numberToo = (node.anyOf || []).some((option) => option.type === "number");
    // add_fee's amount: a percentage for kind percent, money for kind fixed (and whenever it is written as money).
    if (!numberToo || (value !== null && typeof value === "object") || params.kind === "fixed") return "money";
    return "number";
  }
  if (node.type === "object" && node.properties) return "object";
  return "plain";
}
