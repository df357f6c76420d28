// The order widget tells the Saleor Dashboard its height (App Bridge `widgetResize`), or the Dashboard keeps its
// iframe at 200 px and cuts the widget off: on first render and whenever the content grows or shrinks.
import { act, cleanup, render } from "@testing-library/react";
import { useRef } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { heightSender, useWidgetResize } from "./widgetResize";

// The Dashboard's own check of the message (src/extensions/hooks/widgetIframeResize.ts, isWidgetResizeAction).
const dashboardAccepts = (data) =>
  data?.type === "widgetResize" && typeof data.payload?.actionId === "string"
  && typeof data.payload?.height === "number" && Number.isFinite(data.payload.height) && data.payload.height > 0;

let observers = [];
let layoutHeight = 0;

beforeEach(() => {
  observers = [];
  // jsdom has neither layout nor ResizeObserver: the test plays the browser's part.
  vi.stubGlobal("ResizeObserver", class {
    constructor(callback) { this.callback = callback; observers.push(this); }
    observe() {}
    disconnect() { observers = observers.filter((o) => o !== this); }
  });
  vi.stubGlobal("requestAnimationFrame", (callback) => { callback(); return 1; });
  vi.stubGlobal("cancelAnimationFrame", () => {});
  vi.spyOn(HTMLElement.prototype, "getBoundingClientRect").mockImplementation(() => ({ height: layoutHeight }));
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

function Widget({ send }) {
  const root = useRef(null);
  useWidgetResize(root, send);
  return <div ref={root}>lines…</div>;
}

describe("widget height", () => {
  it("is sent on first render and again whenever the content changes height, never twice the same", () => {
    const sent = [];
    layoutHeight = 412.4;
    render(<Widget send={(h) => sent.push(h)} />);
    expect(sent).toEqual([413]);
    layoutHeight = 980;
    act(() => observers.forEach((o) => o.callback([])));
    act(() => observers.forEach((o) => o.callback([])));
    layoutHeight = 300;
    act(() => observers.forEach((o) => o.callback([])));
    expect(sent).toEqual([413, 980, 300]);
  });

  it("goes through the App Bridge inside the Dashboard, as the action the Dashboard accepts", () => {
    const dispatched = [];
    const bridge = { dispatch: (action) => { dispatched.push(action); return Promise.reject(new Error("no answer")); } };
    heightSender(bridge)(640);
    expect(dispatched).toHaveLength(1);
    expect(dashboardAccepts(dispatched[0])).toBe(true);
    expect(dispatched[0].payload.height).toBe(640);
  });

  it("is posted to a framing page outside the Dashboard, and to no one on a page that is not framed", () => {
    const posted = [];
    const parent = { postMessage: (data, origin) => posted.push([data, origin]) };
    heightSender(null, { parent })(777);
    expect(posted).toHaveLength(1);
    expect(dashboardAccepts(posted[0][0])).toBe(true);
    expect(posted[0][0].payload.height).toBe(777);
    const top = {};
    top.parent = top;
    heightSender(null, top)(777);
    expect(posted).toHaveLength(1);
  });
});
