import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { EDITED_ELECTRONICS_CALENDAR, projectPolicy, projectText } from "../testing/policies";
import { MAX_ALIASES, conditionPath, moveRule, parsePolicyText, toDocument, toModel } from "./model";
import {
  firstResponse, freeName, listAdd, listRemove, listSet, newTier, recipients, renamePath, setFirstResponse, setHolidaysMode,
  setKindTargets, setWorkingHours, toggleWeekday, withKey,
} from "./sections";

const defaultPolicy = projectText("saleor_aftersales_plugin/default_policy.yaml");

const documents = {
  "examples/electronics-shop.yaml": projectPolicy("examples/electronics-shop.yaml"),
  "examples/cross-border-shop.yaml": projectPolicy("examples/cross-border-shop.yaml"),
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

// The forms of the calendar, SLA and escalation sections edit the document through these functions (./forms.jsx).
// Each edit gives exactly the document below, and the visual model of that document gives it back unchanged.
describe("calendar, SLA and escalation edits", () => {
  const electronics = () => structuredClone(documents["examples/electronics-shop.yaml"]);
  const week = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

  /** Apply ``edit`` to the document as the editor does (on its model) and check the round trip of the result. */
  function edited(doc, edit) {
    const model = toModel(doc);
    const document = edit(structuredClone(model.document));
    const back = toDocument({ ...model, document });
    expect(toDocument(toModel(back))).toEqual(back);
    expect(JSON.stringify(toDocument(toModel(back)))).toEqual(JSON.stringify(back));
    expect(toDocument(toModel(YAML.parse(YAML.stringify(back, { version: "1.1" }), { version: "1.1" })))).toEqual(back);
    return back;
  }

  it("calendar: a working Saturday, a closing day less and one more, no public holidays, later closing", () => {
    const doc = electronics();
    const back = edited(doc, (d) => {
      let cal = d.calendar;
      cal = withKey(cal, "working_days", toggleWeekday(cal.working_days, "sat", true, week));
      cal = withKey(cal, "extra_holidays", listRemove(cal.extra_holidays, 0));
      cal = withKey(cal, "extra_holidays", listAdd(cal.extra_holidays, "2027-01-02"));
      cal = setHolidaysMode(cal, "none");
      cal = withKey(cal, "follow_official_calendar", false);
      cal = setWorkingHours(cal, "09:00", "18:00");
      return { ...d, calendar: cal };
    });
    expect(back.calendar).toEqual(EDITED_ELECTRONICS_CALENDAR);
    expect(Object.keys(back.calendar)).toEqual([
      "working_days", "holidays_country", "subdivision", "extra_holidays", "working_hours", "follow_official_calendar",
    ]);
    expect(back.rules).toEqual(doc.rules);
    expect(back.sla).toEqual(doc.sla);
  });

  it("calendar: the holiday country back to the shop's, whole days, and a new calendar from nothing", () => {
    const back = edited(electronics(), (d) => ({
      ...d,
      calendar: setWorkingHours(setHolidaysMode(d.calendar, "default"), "", ""),
    }));
    expect(back.calendar).toEqual({
      working_days: ["mon", "tue", "wed", "thu", "fri"],
      subdivision: "BE",
      extra_holidays: ["2026-12-24", "2026-12-31"],
    });
    const fresh = edited(documents["default policy"], (d) => ({
      ...d,
      calendar: withKey(setHolidaysMode(undefined, "country", "CN"), "working_days", toggleWeekday(undefined, "mon", true, week)),
    }));
    expect(fresh.calendar).toEqual({ holidays_country: "CN", working_days: ["mon"] });
    // Unticking a day keeps the others in the merchant's order.
    expect(toggleWeekday(["fri", "mon", "wed"], "mon", false, week)).toEqual(["fri", "wed"]);
  });

  it("SLA: faster returns on the calendar clock, no complaint resolution target, no repair first response", () => {
    const doc = electronics();
    const back = edited(doc, (d) => {
      let sla = d.sla;
      sla = setKindTargets(sla, "return", setFirstResponse(sla.return, 12, "calendar"));
      sla = setKindTargets(sla, "complaint", withKey(sla.complaint, "resolution_working_days", undefined));
      sla = setKindTargets(sla, "repair", setFirstResponse(sla.repair, undefined, "working"));
      return { ...d, sla };
    });
    expect(back.sla).toEqual({
      return: { first_response: { hours: 12, clock: "calendar" }, resolution_working_days: 5 },
      exchange: { first_response: { hours: 24, clock: "working" }, resolution_working_days: 7 },
      repair: { resolution_working_days: 10 },
      complaint: { first_response: { hours: 48, clock: "working" } },
    });
    // The last target of a kind removed: the kind goes; the last kind: the section goes.
    const none = edited(back, (d) => {
      let sla = d.sla;
      sla = setKindTargets(sla, "repair", withKey(sla.repair, "resolution_working_days", undefined));
      expect(Object.keys(sla)).toEqual(["return", "exchange", "complaint"]);
      for (const kind of ["return", "exchange", "complaint"]) sla = setKindTargets(sla, kind, {});
      return withKey(d, "sla", sla);
    });
    expect(none).not.toHaveProperty("sla");
  });

  it("SLA: the first_response_hours shorthand stays itself for working hours and becomes {hours, clock} for calendar hours", () => {
    const doc = { ...electronics(), sla: { return: { first_response_hours: 8, resolution_working_days: 5 } } };
    expect(firstResponse(doc.sla.return)).toEqual({ hours: 8, clock: "working", form: "first_response_hours" });
    const shorter = edited(doc, (d) => ({ ...d, sla: setKindTargets(d.sla, "return", setFirstResponse(d.sla.return, 6, "working")) }));
    expect(shorter.sla).toEqual({ return: { first_response_hours: 6, resolution_working_days: 5 } });
    const calendar = edited(shorter, (d) => ({ ...d, sla: setKindTargets(d.sla, "return", setFirstResponse(d.sla.return, 6, "calendar")) }));
    expect(calendar.sla).toEqual({ return: { resolution_working_days: 5, first_response: { hours: 6, clock: "calendar" } } });
    const fresh = edited(documents["default policy"], (d) => ({ ...d, sla: setKindTargets(d.sla, "exchange", setFirstResponse(undefined, 4, "working")) }));
    expect(fresh.sla).toEqual({ exchange: { first_response: { hours: 4, clock: "working" } } });
  });

  it("escalation: a tier added and one removed, recipients edited, a path renamed, added and removed", () => {
    const doc = electronics();
    const back = edited(doc, (d) => {
      let paths = d.escalation;
      paths = { ...paths, default: listAdd(paths.default, newTier(paths.default)) };
      paths = { ...paths, complaints: listRemove(paths.complaints, 0) };
      paths = {
        ...paths,
        complaints: listSet(paths.complaints, 0, withKey(paths.complaints[0], "notify", recipients("group:supervisors, boss@volt.example, "))),
      };
      paths = renamePath(paths, "default", "standard");
      paths = { ...paths, [freeName(Object.keys(paths), "path")]: [{ name: "agent", after_hours: 0 }] };
      return { ...d, escalation: paths };
    });
    expect(back.escalation).toEqual({
      standard: [
        { name: "agent", after_hours: 0, notify: ["support@volt.example"] },
        { name: "supervisor", after_hours: 48, notify: ["group:supervisors"] },
        { name: "tier", after_hours: 72 },
      ],
      complaints: [
        { name: "supervisor", after_hours: 24, notify: ["group:supervisors", "boss@volt.example"] },
        { name: "manager", after_hours: 72, notify: ["group:managers", "customer.care@volt.example"] },
      ],
      path: [{ name: "agent", after_hours: 0 }],
    });
    expect(Object.keys(back.escalation)).toEqual(["standard", "complaints", "path"]);
    const fewer = edited(back, (d) => ({ ...d, escalation: withKey(d.escalation, "path", undefined) }));
    expect(Object.keys(fewer.escalation)).toEqual(["standard", "complaints"]);
    expect(freeName(["path", "path-2"], "path")).toBe("path-3");
  });
});

describe("money condition values", () => {
  // The policy language's money variables take {amount, currency} or a per-currency map; older documents hold
  // bare numbers. The model keeps each form as written.
  const withValue = (value) => ({
    ...documents["examples/electronics-shop.yaml"],
    rules: [{ id: "small", priority: 5, conditions: { all: [{ name: "line_unit_price", operator: "less_than", value }] }, actions: [{ name: "auto_approve" }] }],
  });
  for (const [shape, value] of [
    ["amount and currency", { amount: "50.00", currency: "EUR" }],
    ["per-currency map", { EUR: "50.00", JPY: "8000" }],
    ["bare number", 50],
  ]) {
    it(`keeps a ${shape} as written`, () => {
      const doc = withValue(value);
      const back = toDocument(toModel(doc));
      expect(back).toEqual(doc);
      expect(back.rules[0].conditions.all[0].value).toEqual(value);
      expect(toDocument(toModel(YAML.parse(YAML.stringify(back, { version: "1.1" }), { version: "1.1" })))).toEqual(doc);
    });
  }
});

describe("parsePolicyText", () => {
  const withAliases = (count) => {
    const lines = ["schema_version: 1", "defaults: {}", "shared: &shared {all: [{name: reason, operator: equal_to, value: defective}]}", "rules:"];
    for (let n = 0; n < count; n += 1) lines.push(`  - {id: r${n}, conditions: *shared}`);
    return lines.join("\n");
  };
  it("reads a policy with more than 100 aliases, as the server does (up to its limit of 1000)", () => {
    expect(parsePolicyText(withAliases(120)).rules).toHaveLength(120);
    expect(parsePolicyText(withAliases(MAX_ALIASES)).rules).toHaveLength(MAX_ALIASES);
  });
  it("refuses more aliases than the server accepts", () => {
    expect(() => parsePolicyText(withAliases(MAX_ALIASES + 1))).toThrow(/alias/i);
  });
});
