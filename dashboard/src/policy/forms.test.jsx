// The calendar, SLA and escalation forms as a merchant uses them: every control found by its label, each edit giving
// exactly the expected section, ranges from the policy's JSON Schema, problems on their controls, Chinese labels.
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { I18nContext } from "../i18n";
import { EDITED_ELECTRONICS_CALENDAR, projectPolicy } from "../testing/policies";
import { CalendarForm, EscalationForm, SlaForm } from "./forms";
import { policySchema } from "./schema";

afterEach(cleanup);

const electronics = projectPolicy("examples/electronics-shop.yaml");
const schema = policySchema(null);

/** ``Form`` editing ``value`` (the section) in ``language``; returns the section as last written. */
function mount(Form, prop, value, { language = "en", errors = [], ...props } = {}) {
  let latest = value;
  function Section() {
    const [section, setSection] = useState(value);
    return (
      <Form {...{ [prop]: section }} schema={schema} errors={errors} {...props}
        onChange={(next) => { latest = next; setSection(next); }} />
    );
  }
  render(<I18nContext.Provider value={{ language, setLanguage: () => {} }}><Section /></I18nContext.Provider>);
  return () => latest;
}

const change = (element, value) => act(() => { fireEvent.change(element, { target: { value } }); });
const click = (element) => act(() => { fireEvent.click(element); });
const label = (text) => screen.getByLabelText(text);

describe("calendar form", () => {
  it("edits working days, closing days, public holidays, the official calendar and the opening hours", () => {
    const section = mount(CalendarForm, "calendar", structuredClone(electronics.calendar), { country: "DE" });
    expect(label("Sat").checked).toBe(false);
    click(label("Sat"));
    click(screen.getByRole("button", { name: "Remove 2026-12-24" }));
    click(screen.getByRole("button", { name: "Add a day to “The shop's own closing days”" }));
    expect(label("The shop's own closing days 2").value).toBe("2027-01-01");
    change(label("The shop's own closing days 2"), "2027-01-02");
    change(label("Public holidays"), "none");
    click(label(/Follow the official calendar/));
    change(label("Closes"), "18:00");
    expect(section()).toEqual(EDITED_ELECTRONICS_CALENDAR);
    // Back to the shop's country, whole days: those keys leave the document.
    change(label("Public holidays"), "default");
    change(label("Opens"), "");
    change(label("Closes"), "");
    expect(section()).toEqual({
      working_days: ["mon", "tue", "wed", "thu", "fri", "sat"],
      subdivision: "BE",
      extra_holidays: ["2026-12-31", "2027-01-02"],
      follow_official_calendar: false,
    });
  });

  it("a country of its own for the holidays, and the validator's problems on their controls", () => {
    const errors = [
      { path: "$.calendar.extra_holidays[0]", code: "invalid_date", message: "'2026-13-01' is not a date." },
      { path: "$.calendar.holidays_country", code: "unknown_country", message: "No public holidays for 'ZZ'." },
    ];
    const section = mount(CalendarForm, "calendar", { extra_holidays: ["2026-13-01"] }, { country: "DE", errors });
    change(label("Public holidays"), "country");
    expect(section()).toEqual({ extra_holidays: ["2026-13-01"], holidays_country: "DE" });
    change(label("Country code (ISO, e.g. DE)"), "cn");
    expect(section()).toEqual({ extra_holidays: ["2026-13-01"], holidays_country: "CN" });
    const day = label("The shop's own closing days 1");
    expect(day.getAttribute("aria-invalid")).toBe("true");
    expect(document.getElementById(day.getAttribute("aria-describedby")).textContent).toBe("'2026-13-01' is not a date.");
    expect(screen.getByText("No public holidays for 'ZZ'.")).toBeTruthy();
  });

  it("speaks Chinese", () => {
    mount(CalendarForm, "calendar", structuredClone(electronics.calendar), { language: "zh-Hans", country: "DE" });
    for (const text of ["周六", "法定节假日", "开始营业", "结束营业"]) expect(label(text)).toBeTruthy();
    expect(screen.getByRole("group", { name: "店铺自定休息日" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "删除 2026-12-24" })).toBeTruthy();
  });
});

describe("SLA form", () => {
  it("edits hours, clock and working days per case kind within the documented ranges", () => {
    const section = mount(SlaForm, "sla", structuredClone(electronics.sla));
    const hours = label("Return: First response (hours)");
    expect([hours.min, hours.max, label("Return: Resolution (working days)").max]).toEqual(["0", "8760", "3650"]);
    change(hours, "12");
    change(label("Return: Counted in"), "calendar");
    change(label("Complaint: Resolution (working days)"), "");
    change(label("Repair: First response (hours)"), "");
    expect(label("Repair: Counted in").disabled).toBe(true);
    expect(section()).toEqual({
      return: { first_response: { hours: 12, clock: "calendar" }, resolution_working_days: 5 },
      exchange: { first_response: { hours: 24, clock: "working" }, resolution_working_days: 7 },
      repair: { resolution_working_days: 10 },
      complaint: { first_response: { hours: 48, clock: "working" } },
    });
  });

  it("keeps the first_response_hours shorthand until the clock needs the long form; an empty section goes", () => {
    const errors = [{ path: "$.sla.return.first_response_hours", code: "out_of_range", message: "It must be between 0 and 8760." }];
    const section = mount(SlaForm, "sla", { return: { first_response_hours: 9000 } }, { errors });
    expect(label("Return: First response (hours)").value).toBe("9000");
    expect(screen.getByText("It must be between 0 and 8760.")).toBeTruthy();
    change(label("Return: First response (hours)"), "8");
    expect(section()).toEqual({ return: { first_response_hours: 8 } });
    change(label("Return: Counted in"), "calendar");
    expect(section()).toEqual({ return: { first_response: { hours: 8, clock: "calendar" } } });
    change(label("Return: First response (hours)"), "");
    expect(section()).toBeUndefined();
    change(label("Exchange: Resolution (working days)"), "3");
    expect(section()).toEqual({ exchange: { resolution_working_days: 3 } });
  });

  it("speaks Chinese", () => {
    mount(SlaForm, "sla", structuredClone(electronics.sla), { language: "zh-Hans" });
    expect(label("退货: 首次响应（小时）").value).toBe("24");
    expect(within(label("投诉: 计时方式")).getByText("工作小时")).toBeTruthy();
  });
});

describe("escalation form", () => {
  it("adds, edits and removes tiers and paths", () => {
    const section = mount(EscalationForm, "escalation", structuredClone(electronics.escalation));
    click(screen.getByRole("button", { name: "Add tier to “default”" }));
    expect(label("default 3: Reached after (hours)").value).toBe("72");
    change(label("default 3: Tier"), "manager");
    click(screen.getByRole("button", { name: "Remove tier agent of “default”" }));
    change(label("complaints 1: Notify (emails or group:<name>, comma separated)"), "group:supervisors, boss@volt.example, ");
    expect(label("complaints 1: Notify (emails or group:<name>, comma separated)").value).toBe("group:supervisors, boss@volt.example, ");
    change(label("complaints 2: Reached after (hours)"), "96");
    expect(section()).toEqual({
      default: [
        { name: "supervisor", after_hours: 48, notify: ["group:supervisors"] },
        { name: "manager", after_hours: 72 },
      ],
      complaints: [
        { name: "agent", after_hours: 0, notify: ["group:supervisors", "boss@volt.example"] },
        { name: "supervisor", after_hours: 96, notify: ["group:supervisors"] },
        { name: "manager", after_hours: 72, notify: ["group:managers", "customer.care@volt.example"] },
      ],
    });
    // The rows below a removed tier show their own tier.
    expect(label("default 1: Tier").value).toBe("supervisor");
    expect(label("default 1: Notify (emails or group:<name>, comma separated)").value).toBe("group:supervisors");
  });

  it("renames paths only to new names, adds one, removes one, and stops at the schema's 20 tiers", () => {
    const section = mount(EscalationForm, "escalation", { standard: [{ name: "agent", after_hours: 0 }] });
    const name = screen.getAllByLabelText("Path name")[0];
    change(name, "");
    expect(screen.getByText("Give the path a name.")).toBeTruthy();
    expect(Object.keys(section())).toEqual(["standard"]);
    change(name, "vip");
    click(screen.getByRole("button", { name: "Add escalation path" }));
    expect(section()).toEqual({ vip: [{ name: "agent", after_hours: 0 }], path: [{ name: "agent", after_hours: 0 }] });
    change(screen.getAllByLabelText("Path name")[1], "vip");
    expect(screen.getByText("There is already a path “vip”.")).toBeTruthy();
    click(screen.getByRole("button", { name: "Remove path “path”" }));
    expect(section()).toEqual({ vip: [{ name: "agent", after_hours: 0 }] });
    const add = screen.getByRole("button", { name: "Add tier to “vip”" });
    for (let i = 0; i < 19; i += 1) click(add);
    expect(section().vip).toHaveLength(20);
    expect(add.disabled).toBe(true);
    expect(screen.getByText("A path has at most 20 tiers.")).toBeTruthy();
    click(screen.getByRole("button", { name: "Remove path “vip”" }));
    expect(section()).toBeUndefined();
  });

  it("speaks Chinese", () => {
    mount(EscalationForm, "escalation", structuredClone(electronics.escalation), { language: "zh-Hans" });
    expect(label("complaints 3: 多少小时后升级").value).toBe("72");
    expect(screen.getByRole("button", { name: "添加升级路径" })).toBeTruthy();
  });
});
