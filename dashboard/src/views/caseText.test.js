// The case page's words: the timeline names who acted in words (never a raw id such as "staff VXNlcjoyMQ=="), and the
// decision quotes the policy's own text for each line's reason in the reader's language, not the rule's code.
import { describe, expect, it } from "vitest";
import { translate } from "../i18n";
import { INSPECTION_CONDITIONS, actorLabel, chosenCondition, explain, humanise, inspection, refusedVariable, validAmount } from "./caseText";

const en = (key, params, fallback) => translate("en", key, params, fallback);
const zh = (key, params, fallback) => translate("zh-Hans", key, params, fallback);

describe("timeline actors", () => {
  it("a staff member known only by an id reads as Staff", () => {
    expect(actorLabel({ actorType: "staff", actorId: "VXNlcjoyMQ==" }, en)).toBe("Staff");
    expect(actorLabel({ actorType: "staff", actorId: "VXNlcjoyMQ==" }, zh)).toBe("员工");
  });

  it("an actor the event names by email reads with that email", () => {
    expect(actorLabel({ actorType: "staff", actorId: "eve@volt.example" }, en)).toBe("Staff eve@volt.example");
    expect(actorLabel({ actorType: "customer", actorId: "cust-1", actorEmail: "ada@example.com" }, en)).toBe("Customer ada@example.com");
  });

  it("the system, apps and kinds the app has no word for read as words", () => {
    expect(actorLabel({ actorType: "system", actorId: "rules" }, en)).toBe("System");
    expect(actorLabel({ actorType: "app", actorId: "QXBwOjE=" }, en)).toBe("App");
    expect(actorLabel({ actorType: "carrier_bot", actorId: "" }, en)).toBe("Carrier bot");
  });
});

describe("decision text", () => {
  const caseData = {
    decision: { eligible: true, reviewRequired: true, photosRequired: 2, resolutions: ["REFUND", "EXCHANGE"], policyVersion: 3 },
    lines: [
      { productName: "Team Shirt", reasons: ["defect_claim"], reasonTexts: [{ code: "defect_claim", text: "Faulty items can be returned within 30 days." }] },
      { productName: "Mug", reasons: ["final_sale"], reasonTexts: [] },
      { productName: "Cap", reasons: [], reasonTexts: [] },
    ],
  };

  it("quotes the policy's text for a line's reason, a humanised code where there is none", () => {
    const text = explain(caseData, en);
    expect(text).toBe(
      "The policy accepts this request. Staff review is required before anything happens. The customer must send 2 photo(s). "
      + "Allowed resolutions: refund, exchange. Team Shirt: Faulty items can be returned within 30 days. Mug: Final sale. "
      + "Decided by policy version 3.",
    );
    expect(text).not.toContain("defect_claim");
  });

  it("reads in the reader's language", () => {
    const chinese = { ...caseData, lines: [{ productName: "T恤", reasons: ["defect_claim"], reasonTexts: [{ code: "defect_claim", text: "很抱歉商品存在质量问题。" }] }] };
    expect(explain(chinese, zh)).toBe("政策接受此申请。 需先经员工审核。 顾客须提供 2 张照片。 可选处理方式：退款、换货。 T恤: 很抱歉商品存在质量问题。 依据政策第 3 版决定。");
  });

  it("humanises codes", () => {
    expect(humanise("defect_claim")).toBe("Defect claim.");
    expect(humanise("")).toBe("");
  });
});

describe("inspection", () => {
  const lines = [{ orderLineId: "a", condition: "UNKNOWN" }, { orderLineId: "b", condition: "OPENED" }];
  it("offers only the conditions the API accepts, never UNKNOWN", () => {
    expect(INSPECTION_CONDITIONS).not.toContain("UNKNOWN");
  });
  it("preselects nothing for a line not inspected yet, and keeps a recorded or chosen condition", () => {
    expect(chosenCondition(lines[0], {})).toBe("");
    expect(chosenCondition(lines[1], {})).toBe("OPENED");
    expect(chosenCondition(lines[1], { b: "USED" })).toBe("USED");
  });
  it("requires a choice for every line", () => {
    expect(inspection(lines, {})).toEqual({ missing: ["a"] });
    expect(inspection(lines, { a: "DAMAGED" })).toEqual({
      lines: [{ lineId: "a", condition: "DAMAGED" }, { lineId: "b", condition: "OPENED" }],
    });
  });
});

describe("override amount", () => {
  it("accepts a decimal with a dot (or nothing: no override) and refuses a comma or words", () => {
    for (const ok of ["", " ", "12.50", "12", "0.5", " 12.50 "]) expect([ok, validAmount(ok)]).toEqual([ok, true]);
    for (const bad of ["12,50", "12.", ".5", "1.234,56", "-3", "abc", "12 EUR"]) expect([bad, validAmount(bad)]).toEqual([bad, false]);
  });
  it("names the variable GraphQL refused, so its error lands on that field in words", () => {
    expect(refusedVariable('Variable "$amount" got invalid value "12,50"; Decimal cannot represent')).toBe("amount");
    expect(refusedVariable("Network error")).toBe("");
  });
});
