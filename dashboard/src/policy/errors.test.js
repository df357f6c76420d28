import { describe, expect, it } from "vitest";
import { paramErrors } from "./errors";

describe("paramErrors", () => {
  const action = "$.rules[3].actions[0]";
  it("shows a money parameter's nested problems on its control", () => {
    const errors = [
      { path: `${action}.params.amount.amount`, message: "'4,95' is not an amount." },
      { path: `${action}.params.amountish`, message: "Not this one." },
      { path: "$.rules[4].actions[0].params.amount.amount", message: "Another rule." },
    ];
    expect(paramErrors(errors, action, "amount")).toBe("'4,95' is not an amount.");
  });
  it("falls back to the problems of the parameters as a whole", () => {
    expect(paramErrors([{ path: `${action}.params`, message: "Missing amount." }], action, "amount")).toBe("Missing amount.");
    expect(paramErrors([], action, "amount")).toBe("");
  });
});
