import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { conditionPath, moveRule, toDocument, toModel } from "./model";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const defaultPolicy = readFileSync(resolve(root, "saleor_aftersales_plugin/default_policy.yaml"), "utf-8");

const documents = {
  "examples/electronics-shop.yaml": YAML.parse(readFileSync(resolve(root, "examples/electronics-shop.yaml"), "utf-8")),
  "examples/cross-border-shop.yaml": YAML.parse(readFileSync(resolve(root, "examples/cross-border-shop.yaml"), "utf-8")),
  "default policy": YAML.parse(defaultPolicy),
};

const strip = (model) => JSON.parse(JSON.stringify(model, (k, v) => (k === "id" || k === "key" ? undefined : v)));

describe("visual <-> document round trip", () => {
  for (const [name, doc] of Object.entries(documents)) {
    it(`is lossless for ${name}`, () => {
      expect(doc.rules.length).toBeGreaterThan(1);
      const model = toModel(doc);
      const back = toDocument(model);
      expect(back).toEqual(doc);
      // Key order survives too, so the YAML view shows the merchant's document as written.
      expect(JSON.stringify(back)).toEqual(JSON.stringify(doc));
      expect(strip(toModel(back))).toEqual(strip(model));
      // Through YAML text, as the document view does.
      expect(toDocument(toModel(YAML.parse(YAML.stringify(back, { version: "1.1" }), { version: "1.1" })))).toEqual(doc);
    });
  }

  it("keeps leaves without a value (is_true) without one", () => {
    const doc = documents["default policy"];
    const giftCards = toDocument(toModel(doc)).rules.find((r) => r.id === "gift-cards");
    expect(giftCards.conditions).toEqual({ all: [{ name: "is_gift_card", operator: "is_true" }] });
  });

  it("names the validator's path of a nested condition", () => {
    const model = toModel(documents["examples/electronics-shop.yaml"]);
    const finalSale = model.rules.findIndex((r) => r.rule.id === "final-sale");
    expect(conditionPath(finalSale, model.rules[finalSale].query, [1])).toBe(`$.rules[${finalSale}].conditions.any[1]`);
  });

  it("dragging a rule re-ranks the priorities in the new order", () => {
    const model = toModel(documents["default policy"]);
    const moved = moveRule(model.rules, 1, 0);
    expect(moved.map((r) => r.rule.id)).toEqual(["gift-cards", "defects-30-days"]);
    expect(moved.map((r) => r.rule.priority)).toEqual([100, 90]);
  });
});
