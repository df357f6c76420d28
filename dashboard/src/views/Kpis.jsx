import { useCallback, useEffect, useState } from "react";
import { Bar, BarChart, CartesianGrid, LabelList, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Input } from "@saleor/macaw-ui";
import { gql } from "../api";
import { useT } from "../i18n";
import { Box, Button, Notice, Text } from "../ui";
import { useReasonLabels } from "../reasons";
import { breakdowns, hasMoney, headline, period, seriesPoint, truncate } from "./kpiData";

const STATS = `query($from: DateTime, $to: DateTime) { afterSalesStats(from: $from, to: $to) {
  cases figures csv
  firstResponse { measured withinTarget shareWithinTarget medianHours p90Hours }
  resolution { measured withinTarget shareWithinTarget medianHours p90Hours } } }`;
const BUCKETS = 6;

const day = (date) => date.toISOString().slice(0, 10);

// The charts draw at once, without animation: what a screenshot or a reader who prefers reduced motion sees is
// the final figure.
function Chart({ title, children, empty, height = 220 }) {
  const t = useT();
  return (
    <section className="card chart" aria-label={title}>
      <h2>{title}</h2>
      {empty ? <p>{t("noData")}</p> : <ResponsiveContainer width="100%" height={height}>{children}</ResponsiveContainer>}
    </section>
  );
}

const LABEL_CHARS = 22;

/** A category axis label cut to fit, the whole name in its tooltip (SVG title). */
function ShortTick({ x, y, payload }) {
  return (
    <g transform={`translate(${x},${y})`}>
      <title>{payload.value}</title>
      <text className="axis-name" x={-4} y={0} dy={4} textAnchor="end" fill="#4b5563" fontSize={12}>{truncate(payload.value, LABEL_CHARS)}</text>
    </g>
  );
}

/** The hover text of a product's bar: its whole name, its rate and its SKUs. */
function ProductTip({ active, payload }) {
  if (!active || !payload?.length) return null;
  const product = payload[0].payload;
  return (
    <div className="chart-tip">
      <strong>{product.label}</strong>
      <div>{product.rate} % ({product.returned} / {product.sold})</div>
      <div>SKU {product.skus.join(", ")}</div>
    </div>
  );
}

const barsHeight = (count) => Math.max(120, 34 * count + 40);
const percentLabel = (value) => `${value}\u00a0%`;

/** Return rates as horizontal bars: every bar has its (cut) name beside it and its rate at its end. */
function RateBars({ data, fill, tip, ...chart }) {
  return (
    <BarChart data={data} layout="vertical" margin={{ right: 56 }} {...chart}>
      <XAxis type="number" unit=" %" domain={[0, 100]} />
      <YAxis type="category" dataKey="label" width={170} interval={0} tick={<ShortTick />} />
      <Tooltip content={tip} />
      <Bar isAnimationActive={false} dataKey="rate" name="%" fill={fill}>
        <LabelList dataKey="rate" position="right" formatter={percentLabel} />
      </Bar>
    </BarChart>
  );
}

export default function Kpis({ channel }) {
  const t = useT();
  const reasonLabels = useReasonLabels(channel);
  const now = new Date();
  const [from, setFrom] = useState(day(new Date(now.getTime() - 30 * 86400000)));
  const [to, setTo] = useState(day(now)); // included: the period runs to the end of that day
  const [stats, setStats] = useState(null);
  const [series, setSeries] = useState([]);
  const [error, setError] = useState("");
  const [loading, setLoading] = useState(true);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      const { start, end } = period(from, to);
      const whole = await gql(channel, STATS, { from: start.toISOString(), to: end.toISOString() });
      setStats(whole.afterSalesStats);
      const step = (end - start) / BUCKETS;
      const parts = await Promise.all(Array.from({ length: BUCKETS }, (_, i) => {
        const a = new Date(start.getTime() + i * step);
        const b = new Date(start.getTime() + (i + 1) * step);
        return gql(channel, STATS, { from: a.toISOString(), to: b.toISOString() }).then((d) => ({ label: day(a), stats: d.afterSalesStats }));
      }));
      setSeries(parts.map(({ label, stats: s }) => seriesPoint(label, s)));
      setError("");
    } catch (e) {
      setError(e.message);
    } finally {
      setLoading(false);
    }
  }, [channel, from, to]);
  useEffect(() => { load(); }, [load]);

  function exportCsv() {
    const blob = new Blob([stats.csv || ""], { type: "text/csv" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `aftersales-${channel}-${from}-${to}.csv`;
    link.click();
  }

  const { reasons, products, categories } = breakdowns(stats?.figures, reasonLabels, (kind) => t(`kind_${kind}`, {}, kind));
  const head = headline(stats);
  return (
    <Box display="flex" flexDirection="column" gap={4} aria-busy={loading} data-testid="kpis">
      <Text as="h1" size={7} fontWeight="bold">{t("kpiTitle")} · {channel}</Text>
      <Box display="flex" gap={3} alignItems="flex-end">
        <Input type="date" label={t("from")} value={from} onChange={(e) => setFrom(e.target.value)} size="small" />
        <Input type="date" label={t("to")} value={to} onChange={(e) => setTo(e.target.value)} size="small" />
        <Button variant="secondary" onClick={load}>{t("refresh")}</Button>
        <Button variant="secondary" onClick={exportCsv} disabled={!stats}>{t("exportCsv")}</Button>
      </Box>
      {error && <Notice kind="error">{error}</Notice>}
      {stats && (
        <div className="kpi-tiles">
          <div className="card" data-testid="kpi-cases"><h2>{t("cases")}</h2><p className="big">{head.cases}</p></div>
          <div className="card" data-testid="kpi-first-response"><h2>{t("firstResponse")}</h2>
            <p className="big">{head.firstResponseShare}</p>
            <p>{t("withinTarget", { share: head.firstResponseShare, within: head.firstResponseWithin, measured: head.firstResponseMeasured })}</p>
            {head.firstResponseMedian != null && <p>{t("median", { hours: head.firstResponseMedian.toFixed(1) })} · {t("p90", { hours: (head.firstResponseP90 ?? 0).toFixed(1) })}</p>}
          </div>
          <div className="card" data-testid="kpi-resolution"><h2>{t("resolutionTime")}</h2>
            <p className="big">{head.resolutionMedian}</p>
            {head.resolutionP90 != null && <p>{t("p90", { hours: head.resolutionP90.toFixed(1) })}</p>}
          </div>
        </div>
      )}
      <div className="charts">
        {/* Bars, each with its value: a period with the only measurement still reads as a figure, not a lone dot. */}
        <Chart title={t("firstResponse")} empty={!series.some((s) => s.withinTarget != null)}>
          <BarChart data={series}><CartesianGrid strokeDasharray="3 3" /><XAxis dataKey="label" /><YAxis unit=" %" domain={[0, 100]} /><Tooltip />
            <Bar isAnimationActive={false} dataKey="withinTarget" name={t("firstResponse")} fill="#2563eb">
              <LabelList dataKey="withinTarget" position="insideTop" fill="#fff" formatter={(v) => (v == null ? "" : `${v}\u00a0%`)} />
            </Bar></BarChart>
        </Chart>
        <Chart title={t("openOverdue")} empty={!series.some((s) => s.cases)}>
          <BarChart data={series}><CartesianGrid strokeDasharray="3 3" /><XAxis dataKey="label" /><YAxis allowDecimals={false} /><Tooltip /><Legend />
            <Bar isAnimationActive={false} dataKey="cases" name={t("cases")} fill="#94a3b8" /><Bar isAnimationActive={false} dataKey="open" name={t("open")} fill="#2563eb" /><Bar isAnimationActive={false} dataKey="overdue" name={t("overdue")} fill="#dc2626" /></BarChart>
        </Chart>
        <Chart title={t("reasons")} empty={!reasons.length}>
          <BarChart data={reasons} layout="vertical"><XAxis type="number" allowDecimals={false} /><YAxis type="category" dataKey="label" width={160} /><Tooltip />
            <Bar isAnimationActive={false} dataKey="count" name={t("cases")} fill="#7c3aed" /></BarChart>
        </Chart>
        <Chart title={t("returnRate")} empty={!products.length} height={barsHeight(products.length)}>
          <RateBars data={products} fill="#059669" tip={<ProductTip />} />
        </Chart>
        <Chart title={t("returnRateCategory")} empty={!categories.length} height={barsHeight(categories.length)}>
          <RateBars data={categories} fill="#0891b2" />
        </Chart>
        <Chart title={t("refundsFees")} empty={!hasMoney(series)}>
          <BarChart data={series}><CartesianGrid strokeDasharray="3 3" /><XAxis dataKey="label" /><YAxis /><Tooltip /><Legend />
            <Bar isAnimationActive={false} dataKey="refunds" name={t("refund")} fill="#2563eb" />
            <Bar isAnimationActive={false} dataKey="storeCredit" name={t("storeCredit")} fill="#7c3aed" />
            <Bar isAnimationActive={false} dataKey="fees" name={t("fees")} fill="#f59e0b" /></BarChart>
        </Chart>
      </div>
    </Box>
  );
}
