import { AppBridge } from "@saleor/app-sdk/app-bridge";
import { config, inSaleor } from "./config";

// Inside the Saleor Dashboard the token comes from the AppBridge handshake (refreshed by the Dashboard); in the
// sandbox staff sign in with a sandbox staff token.
let bridge = null;
const TOKEN_KEY = "aftersales-sandbox-token";

export function getBridge() {
  if (inSaleor && !bridge && typeof window !== "undefined") {
    bridge = new AppBridge({ autoNotifyReady: true });
  }
  return bridge;
}

export function currentToken() {
  if (inSaleor) return getBridge()?.getState().token || "";
  return window.sessionStorage.getItem(TOKEN_KEY) || "";
}

export function setSandboxToken(token) {
  if (token) window.sessionStorage.setItem(TOKEN_KEY, token.trim());
  else window.sessionStorage.removeItem(TOKEN_KEY);
}

export function tokenFromUrl() {
  const token = new URLSearchParams(window.location.search).get("token");
  if (token && !inSaleor) {
    setSandboxToken(token);
    const url = new URL(window.location.href);
    url.searchParams.delete("token");
    window.history.replaceState(null, "", url.toString());
  }
}

export class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

async function post(url, query, variables) {
  const token = currentToken();
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The server answered ${response.status} without JSON.`, "HTTP_" + response.status);
  }
  if (body.errors && body.errors.length && !body.data) {
    const first = body.errors[0];
    throw new ApiError(first.message, first.extensions?.code || "ERROR");
  }
  if (body.errors && body.errors.length) {
    const first = body.errors[0];
    throw new ApiError(first.message, first.extensions?.code || "ERROR");
  }
  return body.data;
}

export function endpoint(channel) {
  return config.graphqlPath.replace("{channel}", encodeURIComponent(channel));
}

export function policyUrl(channel) {
  return config.policyPath.replace("{channel}", encodeURIComponent(channel));
}

/** A request to the plugin's GraphQL API of one channel. */
export function gql(channel, query, variables = {}) {
  return post(endpoint(channel), query, variables);
}

/** A request to Saleor's own API (inside the Dashboard only). */
export function saleorGql(query, variables = {}) {
  const apiUrl = getBridge()?.getState().saleorApiUrl || "/graphql/";
  return post(apiUrl, query, variables);
}

/** Channels the signed-in staff member may work in. */
export async function loadChannels() {
  if (!inSaleor) return config.channels;
  try {
    const data = await saleorGql("{ me { accessibleChannels { slug } } }");
    const slugs = (data.me?.accessibleChannels || []).map((c) => c.slug);
    if (slugs.length) return slugs;
  } catch {
    // older Saleor: fall back to every channel
  }
  const data = await saleorGql("{ channels { slug } }");
  return (data.channels || []).map((c) => c.slug);
}

/** The channel of a Saleor order (inside the Dashboard: asked from Saleor; in the sandbox: searched). */
export async function orderChannel(orderId, channels) {
  if (inSaleor) {
    const data = await saleorGql("query($id: ID!) { order(id: $id) { channel { slug } } }", { id: orderId });
    return data.order?.channel?.slug || null;
  }
  for (const channel of channels) {
    try {
      await gql(channel, "query($o: ID!) { returnEligibility(order: $o) { orderId } }", { o: orderId });
      return channel;
    } catch {
      // not in this channel
    }
  }
  return null;
}

/** Field errors of a mutation payload, keyed by field (null field: the whole form). */
export function errorsByField(errors) {
  const result = {};
  for (const error of errors || []) {
    const key = error.field || "_";
    result[key] = result[key] ? `${result[key]} ${error.message}` : error.message;
  }
  return result;
}
