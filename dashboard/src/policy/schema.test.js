// How the rule cards edit an action's parameters, read from the policy's JSON Schema.
import { describe, expect, it } from "vitest";
import { actionParamsSchema, paramKind, policySchema, resolve } from "./schema";

const schema = policySchema(null);
const amountNode = resolve(schema, actionParamsSchema(schema, "add_fee").properties.amount);

describe("paramKind: add_fee's amount", () => {
  it("is a number for a percentage (so 12.5 is written as a number, not the text '12.5')", () => {
    expect(paramKind(schema, amountNode, 12.5, { kind: "percent" })).toBe("number");
    expect(paramKind(schema, amountNode, undefined, { kind: "percent" })).toBe("number");
  });
  it("is money for a fixed fee or an amount written as money", () => {
    expect(paramKind(schema, amountNode, undefined, { kind: "fixed" })).toBe("money");
    expect(paramKind(schema, amountNode, { amount: "4.95", currency: "EUR" }, { kind: "percent" })).toBe("money");
  });
});
