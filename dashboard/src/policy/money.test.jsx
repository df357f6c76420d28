// The condition value picker of the money variables (those the builder answer types "money": order_total,
// line_unit_price, prior_returns_value) inside the real condition builder: it shows an amount and a currency, writes
// {amount, currency}, and keeps a per-currency map or a bare number it reads, so that visual -> document -> visual is
// lossless either way; with several currencies in the policy it never writes a bare number.
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { QueryBuilder } from "react-querybuilder";
import { afterEach, describe, expect, it } from "vitest";
import { toDocument, toModel } from "./model";
import { isMoneyVariable, moneyFromRows, moneyRows, moneyShape } from "./money";
import { ValueEditor } from "./ValueEditor";

afterEach(cleanup);

// As afterSalesPolicyBuilder answers them (rules/builder.py): money variables have field type "money".
const operators = {
  money: [
    { name: "less_than", label: "Less Than", inputType: "money" },
    { name: "greater_than_or_equal_to", label: "Greater Than Or Equal To", inputType: "money" },
  ],
};
const fields = [{ name: "line_unit_price", label: "Unit price paid", fieldType: "money", choices: [] }];

const policy = (value) => ({
  schema_version: 1.1,
  defaults: { currency: "EUR", country: "DE", time_zone: "Europe/Berlin" },
  rules: [{
    id: "small-items",
    priority: 5,
    conditions: { all: [{ name: "line_unit_price", operator: "less_than", value }] },
    actions: [{ name: "auto_approve" }],
  }],
});

/** The condition builder of the policy's first rule, as the editor mounts it; ``documents()`` are what it wrote. */
function mount(document, currencies = ["EUR", "JPY"], currency = "EUR") {
  const written = [];
  function Editor() {
    const [model, setModel] = useState(() => toModel(document));
    const item = model.rules[0];
    return (
      <QueryBuilder fields={fields} query={item.query} controlElements={{ valueEditor: ValueEditor }}
        context={{ operators, errors: [], ruleIndex: 0, query: item.query, currency, currencies }}
        getOperators={() => operators.money} getDefaultOperator={() => "less_than"}
        onQueryChange={(query) => {
          const next = { ...model, rules: [{ ...item, query }] };
          setModel(next);
          written.push(toDocument(next));
        }} />
    );
  }
  render(<Editor />);
  const last = () => written[written.length - 1];
  return { written, last };
}

const amount = (n = "") => screen.getByLabelText(`Unit price paid value: Amount${n}`);
const currency = (n = "") => screen.getByLabelText(`Unit price paid value: Currency${n}`);
const type = (input, text) => act(() => { fireEvent.change(input, { target: { value: text } }); });

describe("money condition values", () => {
  it("{amount, currency}: shown as amount and currency, written back as {amount, currency}", () => {
    const document = policy({ amount: "50.00", currency: "EUR" });
    const { written, last } = mount(document);
    expect(amount().value).toBe("50.00");
    expect(currency().value).toBe("EUR");
    // Untouched, the document is the merchant's.
    for (const doc of written) expect(doc).toEqual(document);
    type(amount(), "45.50");
    expect(last()).toEqual(policy({ amount: "45.50", currency: "EUR" }));
    type(currency(), "usd");
    expect(last()).toEqual(policy({ amount: "45.50", currency: "USD" }));
    expect(toDocument(toModel(last()))).toEqual(last());
  });

  it("per-currency map: one row per currency, kept a map through edits, rows added and removed", () => {
    const document = policy({ EUR: "50.00", JPY: "8000" });
    const { written, last } = mount(document);
    for (const doc of written) expect(doc).toEqual(document);
    expect([amount(" 1").value, currency(" 1").value, amount(" 2").value, currency(" 2").value]).toEqual(["50.00", "EUR", "8000", "JPY"]);
    type(amount(" 2"), "7500");
    expect(last()).toEqual(policy({ EUR: "50.00", JPY: "7500" }));
    act(() => { fireEvent.click(screen.getByRole("button", { name: "Add currency" })); });
    expect(last()).toEqual(policy({ EUR: "50.00", JPY: "7500", USD: "" }));
    type(amount(" 3"), "55");
    expect(last()).toEqual(policy({ EUR: "50.00", JPY: "7500", USD: "55" }));
    act(() => { fireEvent.click(screen.getByRole("button", { name: "Remove EUR" })); });
    expect(last()).toEqual(policy({ JPY: "7500", USD: "55" }));
    // A currency listed twice is refused on its control; the document keeps both amounts.
    type(currency(" 2"), "JPY");
    expect(screen.getByText("JPY is already listed.")).toBeTruthy();
    expect(last()).toEqual(policy({ JPY: "7500", USD: "55" }));
    expect(toDocument(toModel(last()))).toEqual(last());
  });

  it("bare number in a one-currency policy: kept bare while it has no currency, {amount, currency} once one is chosen", () => {
    const document = policy(50);
    const { written, last } = mount(document, ["EUR"]);
    for (const doc of written) expect(doc).toEqual(document);
    expect(amount().value).toBe("50");
    expect(currency().value).toBe("");
    type(amount(), "60");
    expect(last()).toEqual(policy(60));
    type(currency(), "EUR");
    expect(last()).toEqual(policy({ amount: "60", currency: "EUR" }));
    expect(toDocument(toModel(last()))).toEqual(last());
  });

  it("bare number in a policy naming several currencies: an edit writes {amount, currency}, never a bare number", () => {
    const document = policy(50);
    const { written, last } = mount(document, ["EUR", "JPY"]);
    for (const doc of written) expect(doc).toEqual(document); // untouched, it stays as the merchant wrote it
    type(amount(), "60");
    expect(last()).toEqual(policy({ amount: "60", currency: "" }));
    type(currency(), "JPY");
    expect(last()).toEqual(policy({ amount: "60", currency: "JPY" }));
  });

  it("without a currency of its own, a policy whose amounts name several has a new amount wait for its currency", () => {
    // Inside Saleor the host fills defaults.currency from the channel: the document may name none.
    const document = { ...policy(1), rules: [{ id: "new", priority: 1, conditions: { all: [] }, actions: [] }] };
    const { last } = mount(document, ["EUR", "USD"], "");
    act(() => { fireEvent.click(screen.getByRole("button", { name: "+ Rule" })); });
    expect(currency().value).toBe("");
    type(amount(), "100");
    expect(last().rules[0].conditions.all[0].value).toEqual({ amount: "100", currency: "" });
  });

  it("a new condition offers the policy's currency and writes {amount, currency}", () => {
    const document = { ...policy(1), rules: [{ id: "new", priority: 1, conditions: { all: [] }, actions: [] }] };
    const { last } = mount(document);
    act(() => { fireEvent.click(screen.getByRole("button", { name: "+ Rule" })); });
    expect(currency().value).toBe("EUR");
    type(amount(), "100");
    expect(last().rules[0].conditions).toEqual({ all: [{ name: "line_unit_price", operator: "less_than", value: { amount: "100", currency: "EUR" } }] });
  });
});

describe("money rows", () => {
  it("read every written form and give it back unchanged", () => {
    for (const value of [{ amount: "4.95", currency: "EUR" }, { amount: 5, currency: "USD" }, { EUR: "4.95", JPY: 800 }, 50, "50"]) {
      expect(moneyFromRows(value, moneyRows(value))).toEqual(value);
    }
    expect(moneyShape(undefined)).toBe("empty");
    expect(moneyFromRows(undefined, moneyRows(undefined, "EUR"))).toEqual({ amount: "", currency: "EUR" });
    expect(moneyFromRows(undefined, [{ currency: "", amount: "" }])).toBeUndefined();
  });
});

describe("money variables", () => {
  it("are the builder's variables of field type money, whatever their name", () => {
    expect(isMoneyVariable({ name: "order_total", fieldType: "money" })).toBe(true);
    expect(isMoneyVariable({ name: "days_since_delivery", fieldType: "numeric" })).toBe(false);
    expect(isMoneyVariable({ name: "store_credit_balance", fieldType: "money" })).toBe(true);
  });
});
