import { useEffect, useState } from "react";
import { Input } from "@saleor/macaw-ui";
import { gql, errorsByField, orderChannel, saleorGql } from "../api";
import { inSaleor } from "../config";
import { useT } from "../i18n";
import { Box, Button, FieldError, Notice, Select, SlaBadge, Text, money } from "../ui";

const ELIGIBILITY = `query($order: ID!, $kind: AfterSalesCaseKind) { returnEligibility(order: $order, kind: $kind) {
  eligible lines { lineId quantity eligible reasons { code text } windowEndsAt refundEstimate { amount currency }
  allowedResolutions warrantyEndsAt inWarranty } } }`;
const CASES = `query($order: ID!) { afterSalesCases(filter: {order: $order}, first: 50) { edges { node {
  id number kind status deadlines { firstResponseDue firstRespondedAt resolutionDue resolvedAt } } } } }`;

const CASE_LINES = `query($order: ID!) { afterSalesCases(filter: {order: $order}, first: 50) { edges { node {
  lines { orderLineId sku productName } } } } }`;
const SALEOR_LINES = `query($id: ID!) { order(id: $id) { lines { id productName variantName productSku } } }`;

/**
 * Product name, variant and SKU of each order line (by line id). Inside the Dashboard Saleor's own order answers;
 * the plugin's API names the lines its cases hold (the eligibility answer has no names).
 */
function useLineNames(channel, orderId) {
  const [names, setNames] = useState({});
  useEffect(() => {
    if (!channel || !orderId) return;
    const found = {};
    const fromCases = gql(channel, CASE_LINES, { order: orderId }).then((d) => {
      for (const edge of d.afterSalesCases.edges) {
        for (const line of edge.node.lines) found[line.orderLineId] ||= { product: line.productName || "", variant: "", sku: line.sku || "" };
      }
    }).catch(() => {});
    const fromSaleor = inSaleor ? saleorGql(SALEOR_LINES, { id: orderId }).then((d) => {
      for (const line of d.order?.lines || []) found[line.id] = { product: line.productName || "", variant: line.variantName || "", sku: line.productSku || "" };
    }).catch(() => {}) : null;
    Promise.all([fromSaleor, fromCases]).then(() => setNames({ ...found }));
  }, [channel, orderId]);
  return names;
}

/** "Headphones (Black) · SKU HP-1", or the end of the line id when the line's name is unknown. */
function LineName({ name, lineId }) {
  if (!name?.product && !name?.sku) return <span className="line-name">…{lineId.slice(-8)}</span>;
  return (
    <span className="line-name">
      <strong>{name.product || name.sku}</strong>
      {name.variant && name.variant !== name.product && <> ({name.variant})</>}
      {name.sku && name.product && <span className="sku"> · SKU {name.sku}</span>}
    </span>
  );
}

const lineLabel = (name, lineId) => (name?.product ? `${name.product}${name.sku ? ` (${name.sku})` : ""}` : lineId.slice(-8));

function useOrderChannel(orderId, channels) {
  const [channel, setChannel] = useState(undefined);
  const [error, setError] = useState("");
  useEffect(() => {
    if (!orderId || !channels.length) return;
    orderChannel(orderId, channels).then(setChannel).catch((e) => setError(e.message));
  }, [orderId, channels]);
  return { channel, error };
}

export function OrderWidget({ orderId, channels, openCase }) {
  const t = useT();
  const { channel, error: channelError } = useOrderChannel(orderId, channels);
  const [cases, setCases] = useState(null);
  const [lines, setLines] = useState([]);
  const [error, setError] = useState("");
  const names = useLineNames(channel, orderId);
  useEffect(() => {
    if (!channel) return;
    gql(channel, CASES, { order: orderId }).then((d) => setCases(d.afterSalesCases.edges.map((e) => e.node))).catch((e) => setError(e.message));
    gql(channel, ELIGIBILITY, { order: orderId }).then((d) => setLines(d.returnEligibility.lines)).catch(() => setLines([]));
  }, [channel, orderId]);
  if (channelError || error) return <Notice kind="error">{channelError || error}</Notice>;
  if (channel === null) return <Text>{t("widgetNone")}</Text>;
  if (!cases) return <Text>{t("loading")}</Text>;
  return (
    <Box display="flex" flexDirection="column" gap={2} data-testid="order-widget">
      <Text as="h2" fontWeight="bold">{t("widgetTitle")}</Text>
      {cases.length === 0 && <Text>{t("widgetNone")}</Text>}
      <ul className="plain">
        {cases.map((c) => (
          <li key={c.id} data-testid="widget-case">
            <a href="#" onClick={(e) => { e.preventDefault(); openCase(channel, c.id); }}>#{c.number}</a> {c.kind} · {c.status} <SlaBadge deadlines={c.deadlines} />
          </li>
        ))}
      </ul>
      {lines.length > 0 && (
        <>
          <Text fontWeight="bold">{t("lineEligibility")}</Text>
          <ul className="plain">
            {lines.map((l) => (
              <li key={l.lineId} data-testid="widget-line">
                <span aria-label={l.eligible ? t("eligible") : t("notEligible")}>{l.eligible ? "✓" : "✗"}</span>{" "}
                {l.quantity} × <LineName name={names[l.lineId]} lineId={l.lineId} /> · {money(l.refundEstimate)}
                {l.windowEndsAt && <> · {t("windowEnds")} {new Date(l.windowEndsAt).toLocaleDateString()}</>}
                {!l.eligible && l.reasons.length > 0 && <> · {l.reasons.map((r) => r.text).join(" ")}</>}
              </li>
            ))}
          </ul>
        </>
      )}
    </Box>
  );
}

export function OrderStart({ orderId, channels, openCase }) {
  const t = useT();
  const { channel, error: channelError } = useOrderChannel(orderId, channels);
  const [kind, setKind] = useState("RETURN");
  const [lines, setLines] = useState([]);
  const [quantities, setQuantities] = useState({});
  const [reason, setReason] = useState("");
  const [comment, setComment] = useState("");
  const [errors, setErrors] = useState({});
  const [created, setCreated] = useState(null);
  const names = useLineNames(channel, orderId);
  useEffect(() => {
    if (!channel) return;
    gql(channel, ELIGIBILITY, { order: orderId, kind: kind === "REPAIR" ? "REPAIR" : "RETURN" })
      .then((d) => setLines(d.returnEligibility.lines)).catch((e) => setErrors({ _: e.message }));
  }, [channel, orderId, kind]);
  if (channelError) return <Notice kind="error">{channelError}</Notice>;
  if (channel === null) return <Notice kind="error">The order is in no channel with the After-sales plugin on.</Notice>;

  async function submit(e) {
    e.preventDefault();
    const chosen = lines.filter((l) => Number(quantities[l.lineId] || 0) > 0)
      .map((l) => ({ lineId: l.lineId, quantity: Number(quantities[l.lineId]) }));
    const payloadFields = "{ errors { field code message } case { id number } }";
    const data = kind === "REPAIR"
      ? await gql(channel, `mutation($input: RepairRequestCreateInput!) { repairRequestCreate(input: $input) ${payloadFields} }`,
        { input: { order: orderId, line: chosen[0] || { lineId: "", quantity: 0 }, reason, comment } })
      : await gql(channel, `mutation($input: ReturnRequestCreateInput!) { returnRequestCreate(input: $input) ${payloadFields} }`,
        { input: { order: orderId, lines: chosen, reason, comment } });
    const payload = Object.values(data)[0];
    if (payload.errors.length) setErrors(errorsByField(payload.errors));
    else { setErrors({}); setCreated(payload.case); }
  }

  return (
    <Box as="form" onSubmit={submit} display="flex" flexDirection="column" gap={3} aria-labelledby="start-title">
      <Text as="h1" id="start-title" size={6} fontWeight="bold">{t("startTitle")}</Text>
      <Text size={2}>{t("startHelp")}</Text>
      <Select id="start-kind" label={t("startKind")} value={kind} onChange={setKind}
        options={[{ value: "RETURN", label: t("returnKind") }, { value: "REPAIR", label: t("repairKind") }]} />
      <table className="grid">
        <thead><tr><th scope="col">{t("product")}</th><th scope="col">{t("eligible")}</th><th scope="col">{t("quantity")}</th></tr></thead>
        <tbody>
          {lines.map((l, index) => (
            <tr key={l.lineId}>
              <td><LineName name={names[l.lineId]} lineId={l.lineId} /></td>
              <td>{l.eligible ? t("yes") : `${t("no")} — ${l.reasons.map((r) => r.text).join(" ")}`}</td>
              <td>
                <input type="number" min="0" max={l.quantity} aria-label={`${t("quantity")} ${lineLabel(names[l.lineId], l.lineId)}`}
                  value={quantities[l.lineId] || ""} onChange={(e) => setQuantities((q) => ({ ...q, [l.lineId]: e.target.value }))} />
                <FieldError message={errors[`lines.${index}.quantity`] || errors[`lines.${index}.lineId`]} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <FieldError message={errors.lines || errors.line} />
      <Input label={t("reason")} value={reason} onChange={(e) => setReason(e.target.value)} error={!!errors.reason} helperText={errors.reason} />
      <Input label="Comment" value={comment} onChange={(e) => setComment(e.target.value)} />
      <FieldError message={errors._ || errors.order} />
      <Button type="submit">{t("create")}</Button>
      {created && (
        <Notice>
          {t("created_", { number: created.number })}{" "}
          <a href="#" onClick={(e) => { e.preventDefault(); openCase(channel, created.id); }}>{t("openCase")}</a>
        </Notice>
      )}
    </Box>
  );
}
