import { describe, expect, it } from "vitest";
import { DICTIONARIES, translate } from "./i18n";

describe("texts", () => {
  it("every English text has its Simplified Chinese one and the other way round, with the same placeholders", () => {
    const en = DICTIONARIES.en;
    const zh = DICTIONARIES["zh-Hans"];
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en)) expect([key, placeholders(zh[key])]).toEqual([key, placeholders(en[key])]);
  });

  it("fills placeholders and falls back to the given text for an unknown key", () => {
    expect(translate("zh-Hans", "removeTier", { name: "agent", path: "default" })).toBe("删除“default”的级别 agent");
    expect(translate("zh-Hans", "calendar_extra_working_days", {}, "Extra Working Days")).toBe("Extra Working Days");
  });
});
