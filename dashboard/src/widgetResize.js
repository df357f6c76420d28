// The Saleor Dashboard gives a widget's iframe 200 px until the app reports its content's height with the App Bridge
// action `widgetResize` (Dashboard: src/extensions/hooks/widgetIframeResize.ts). The app reports it when it renders
// and whenever its content grows or shrinks. Outside a widget the report is harmless: an app page ignores it, and a
// page that is not framed has no one to tell.
import { useEffect } from "react";
import { actions } from "@saleor/app-sdk/app-bridge";

/** The height of the app's content: its root element, never html/body (those stretch with the iframe). */
export function contentHeight(element) {
  const { height } = element.getBoundingClientRect();
  return Math.ceil(Math.max(height, element.scrollHeight));
}

/**
 * A sender of heights: inside the Dashboard through the App Bridge (``bridge``), elsewhere the same action posted to
 * the page that frames the app, if any.
 */
export function heightSender(bridge, target = typeof window !== "undefined" ? window : null) {
  return (height) => {
    const action = actions.WidgetResize({ height });
    if (bridge) {
      bridge.dispatch(action).catch(() => {}); // an older Dashboard does not answer: the widget keeps its height
    } else if (target && target.parent && target.parent !== target) {
      target.parent.postMessage({ type: action.type, payload: action.payload }, "*");
    }
  };
}

/** Report the height of ``ref``'s element now and on every change of it (only changes are sent). */
export function useWidgetResize(ref, send, ready = true) {
  useEffect(() => {
    const element = ref.current;
    if (!element || !ready) return undefined;
    let last = 0;
    let frame = 0;
    const report = () => {
      const height = contentHeight(element);
      if (height > 0 && height !== last) {
        last = height;
        send(height);
      }
    };
    report();
    if (typeof ResizeObserver === "undefined") return undefined;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(report);
    });
    observer.observe(element);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
    };
  }, [ref, send, ready]);
}
