// Money in a policy document, as the amount + currency control edits it (docs/policy.md, "Money").
//
// A value is read in any of its written forms and keeps that form until the merchant changes it:
//   single  {amount: "4.95", currency: EUR}       one currency
//   map     {EUR: "4.95", JPY: "800"}             an amount per currency
//   bare    50                                    a number without currency (older documents; the validator says
//                                                 how to write it): it stays bare until a currency is chosen
// An amount the merchant did not touch keeps its type (number or string); an edited one is written as typed.

const CURRENCY = /^[A-Z]{3}$/;

/** Whether a condition variable of the builder (afterSalesPolicyBuilder) is money: its field type says so. */
export const isMoneyVariable = (variable) => variable.fieldType === "money";
const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);

/** The written form of ``value``: "single", "map", "bare" or "empty". */
export function moneyShape(value) {
  if (value === undefined || value === null || value === "") return "empty";
  if (typeof value === "number" || typeof value === "string") return "bare";
  if (isObject(value) && ("amount" in value || "currency" in value)) return "single";
  if (isObject(value)) return "map";
  return "bare";
}

/** The control's rows ``[{currency, amount}]`` for ``value``; an empty value offers one row in ``defaultCurrency``. */
export function moneyRows(value, defaultCurrency = "") {
  switch (moneyShape(value)) {
    case "empty":
      return [{ currency: defaultCurrency, amount: "" }];
    case "bare":
      return [{ currency: "", amount: value }];
    case "single":
      return [{ currency: value.currency ?? "", amount: value.amount ?? "" }];
    default:
      return Object.entries(value).map(([currency, amount]) => ({ currency, amount }));
  }
}

const asNumberIfNumeric = (text) => (text !== "" && Number.isFinite(Number(text)) ? Number(text) : text);

/**
 * The value the rows stand for, in ``value``'s written form where the rows still fit it: one row with a currency
 * stays ``{amount, currency}`` (a map stays a map), a bare number without currency stays bare, several rows are a
 * per-currency map. Rows whose amount and currency are both empty are dropped; no row left is ``undefined``.
 * ``currencyRequired`` (the policy names several currencies, so a bare number would be ambiguous): an amount without
 * currency is written ``{amount, currency: ""}``, never bare, and the validator asks for its currency.
 */
export function moneyFromRows(value, rows, { currencyRequired = false } = {}) {
  const kept = rows.filter((row) => row.currency !== "" || row.amount !== "");
  if (!kept.length) return undefined;
  const shape = moneyShape(value);
  if (kept.length === 1) {
    const [{ currency, amount }] = kept;
    if (shape === "map") return { [currency]: amount };
    if (currency === "" && !currencyRequired && (shape === "bare" || shape === "empty")) {
      return amount === value || typeof amount !== "string" ? amount : asNumberIfNumeric(amount);
    }
    if (shape === "single") return { ...value, amount, currency };
    return { amount: String(amount), currency };
  }
  return Object.fromEntries(kept.map(({ currency, amount }) => [currency, amount]));
}

/** A currency for a new row: ``preferred`` or a common one not used yet. */
export function nextCurrency(rows, preferred = "") {
  const used = new Set(rows.map((row) => row.currency));
  return [preferred, "EUR", "USD", "CNY", "GBP", "JPY", "CHF"].find((code) => code && !used.has(code)) || "";
}

export const normaliseCurrency = (text) => text.toUpperCase().replace(/[^A-Z]/g, "").slice(0, 3);

export const isCurrency = (text) => CURRENCY.test(text);

/** The currencies written anywhere in ``document`` (amount + currency pairs and per-currency maps), sorted. */
export function documentCurrencies(document) {
  const found = new Set();
  const visit = (node) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (isObject(node)) {
      if (typeof node.currency === "string" && CURRENCY.test(node.currency)) found.add(node.currency);
      for (const [key, child] of Object.entries(node)) {
        if (CURRENCY.test(key) && (typeof child === "string" || typeof child === "number")) found.add(key);
        visit(child);
      }
    }
  };
  visit(document);
  return [...found].sort();
}
