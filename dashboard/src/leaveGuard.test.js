import { afterEach, describe, expect, it } from "vitest";
import { guardLeaving, requestLeave } from "./leaveGuard";

describe("leaving a page with unsaved work", () => {
  afterEach(() => guardLeaving(null));

  it("leaves without asking when nothing would be lost", () => {
    const left = [];
    const asked = [];
    requestLeave(() => left.push(true), (q) => asked.push(q));
    expect(left).toEqual([true]);
    expect(asked).toEqual([]);
  });

  it("asks first, leaves only when told to, and does not ask again after leaving", () => {
    guardLeaving("Leave without publishing?");
    const left = [];
    let pending = null;
    requestLeave(() => left.push(1), (p) => { pending = p; });
    expect(pending.question).toBe("Leave without publishing?");
    expect(left).toEqual([]);
    pending.leave();
    expect(left).toEqual([1]);
    requestLeave(() => left.push(2), () => { throw new Error("asked again"); });
    expect(left).toEqual([1, 2]);
  });
});
