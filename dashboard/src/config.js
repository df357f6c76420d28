// What the serving host embedded in the page (see saleor_aftersales_plugin/dashboard_app).
const embedded = (typeof window !== "undefined" && window.__AFTERSALES__) || {};

export const config = {
  host: embedded.host || "sandbox",
  graphqlPath: embedded.graphqlPath || "/graphql/{channel}/",
  policyPath: embedded.policyPath || "/policy/{channel}/",
  channels: embedded.channels || [],
  notice: embedded.notice || "",
};

export const inSaleor = config.host === "saleor";

/** The part of the page's path below the app's root, e.g. "queue", "case/<id>", "order-widget". */
export function appRoute(pathname = window.location.pathname) {
  const match = pathname.match(/\/app\/?(.*)$/);
  return (match ? match[1] : "").replace(/\/+$/, "");
}

export function appBase(pathname = window.location.pathname) {
  const index = pathname.lastIndexOf("/app/");
  return index >= 0 ? pathname.slice(0, index + 5) : "/app/";
}
