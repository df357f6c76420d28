import { afterEach, describe, expect, it } from "vitest";
import { guardLeaving, mayLeave } from "./leaveGuard";

describe("leaving a page with unsaved work", () => {
  afterEach(() => guardLeaving(null));

  it("leaves without asking when nothing would be lost", () => {
    const asked = [];
    expect(mayLeave((q) => asked.push(q))).toBe(true);
    expect(asked).toEqual([]);
  });

  it("asks, and stays when the user says no", () => {
    guardLeaving("Leave without publishing?");
    const asked = [];
    expect(mayLeave((q) => { asked.push(q); return false; })).toBe(false);
    expect(asked).toEqual(["Leave without publishing?"]);
    expect(mayLeave(() => true)).toBe(true);
    expect(mayLeave(() => { throw new Error("asked again"); })).toBe(true);
  });
});
