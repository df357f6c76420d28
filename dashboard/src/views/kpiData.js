// The KPI page's numbers from the stats answer (afterSalesStats). Any part of the answer may be null or empty
// (a channel without cases, cases without reasons, a period without refunds): it then counts as nothing.

const entries = (value) => (value && typeof value === "object" ? Object.entries(value) : []);
const number = (value) => (Number.isFinite(Number(value)) ? Number(value) : 0);
const CLOSED = ["resolved", "closed", "declined", "cancelled"];

/** "87 %" for a share 0..1, "—" without one. */
export const percent = (share) => (share == null || !Number.isFinite(Number(share)) ? "—" : `${Math.round(Number(share) * 100)} %`);

/** "12.5 h" for hours, "—" without them. */
export const hours = (value) => (value == null || !Number.isFinite(Number(value)) ? "—" : `${Number(value).toFixed(1)} h`);

/** The headline tiles: cases, first response within target, resolution time. */
export function headline(stats) {
  const fr = stats?.firstResponse || null;
  const res = stats?.resolution || null;
  return {
    cases: number(stats?.cases),
    firstResponseShare: percent(fr?.shareWithinTarget),
    firstResponseWithin: number(fr?.withinTarget),
    firstResponseMeasured: number(fr?.measured),
    firstResponseMedian: fr?.medianHours ?? null,
    firstResponseP90: fr?.p90Hours ?? null,
    resolutionMedian: hours(res?.medianHours),
    resolutionP90: res?.p90Hours ?? null,
  };
}

/** Cases still open: counted per kind and status (``figures.counts.by_kind_and_status``), open = not closed. */
function openCases(figures) {
  return entries(figures?.counts?.by_kind_and_status).reduce(
    (total, [, statuses]) => total + entries(statuses).filter(([status]) => !CLOSED.includes(status)).reduce((n, [, c]) => n + number(c), 0),
    0,
  );
}

/** One point of the time series (one period's stats). */
export function seriesPoint(label, stats) {
  const figures = stats?.figures || null;
  const firstResponse = figures?.sla?.first_response || null;
  const money = entries(figures?.money).map(([, values]) => values || {});
  return {
    label,
    cases: number(stats?.cases),
    open: openCases(figures),
    overdue: firstResponse ? Math.max(0, number(firstResponse.measured) - number(firstResponse.within_target)) : 0,
    refunds: money.reduce((total, values) => total + number(values.refunds), 0),
    storeCredit: money.reduce((total, values) => total + number(values.store_credit), 0),
    fees: money.reduce((total, values) => total + number(values.fees), 0),
    withinTarget: stats?.firstResponse?.shareWithinTarget != null ? Math.round(stats.firstResponse.shareWithinTarget * 100) : null,
  };
}

/** Whether a series has money going out in any period (refunds, store credit or fees). */
export const hasMoney = (series) => series.some((point) => point.refunds || point.storeCredit || point.fees);

/** A label cut to ``max`` characters with "…" (the full one goes in the tooltip). */
export function truncate(label, max = 24) {
  const text = String(label ?? "");
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const round1 = (value) => Math.round(value * 10) / 10;

/**
 * Return rate per product: the stats count per SKU (variant), so the variants of one product are added up under the
 * product's name (units returned / units sold); the SKUs stay listed for the tooltip. Highest rate first.
 */
function productRates(products) {
  const grouped = new Map();
  for (const [sku, values] of entries(products)) {
    const name = values?.name || sku;
    const group = grouped.get(name) || { label: name, sold: 0, returned: 0, skus: [] };
    group.sold += number(values?.sold);
    group.returned += number(values?.returned);
    group.skus.push(sku);
    grouped.set(name, group);
  }
  return [...grouped.values()]
    .map((group) => ({ ...group, rate: round1(group.sold ? (group.returned / group.sold) * 100 : 0) }))
    .sort((a, b) => b.rate - a.rate || a.label.localeCompare(b.label));
}

/**
 * The bar charts: reasons per kind (with the catalogue's labels: ``readerLabels`` in the reader's language first,
 * then the stats' own), return rate per product and per category. ``kindName`` words a case kind ("return").
 */
export function breakdowns(figures, readerLabels = {}, kindName = (kind) => kind) {
  const labels = { ...(figures?.reason_labels || {}), ...readerLabels };
  return {
    reasons: entries(figures?.reasons).flatMap(([kind, counts]) =>
      entries(counts).map(([reason, count]) => ({ label: `${kindName(kind)}: ${labels[reason] || reason || "—"}`, count: number(count) }))),
    products: productRates(figures?.return_rates?.products),
    categories: entries(figures?.return_rates?.categories).map(([slug, v]) => ({ label: slug, rate: round1(number(v?.rate) * 100) })),
  };
}

/** The period asked for by the From and To dates (UTC days, both included): To's whole day counts (end = next day). */
export function period(from, to) {
  const start = new Date(from + "T00:00:00Z");
  const end = new Date(new Date(to + "T00:00:00Z").getTime() + 86400000);
  return { start, end };
}
