import { useEffect, useState } from "react";
import { Input } from "@saleor/macaw-ui";
import { gql, orderChannel, saleorGql } from "../api";
import { inSaleor } from "../config";
import { useLanguage, useT } from "../i18n";
import { Box, Button, FieldError, Notice, Select, SlaBadge, Text, money } from "../ui";
import { startErrors } from "./startErrors";

const ELIGIBILITY = `query($order: ID!, $kind: AfterSalesCaseKind, $language: String) {
  returnEligibility(order: $order, kind: $kind, language: $language) {
    eligible lines { lineId productName sku quantity eligible reasons { code text } windowEndsText
      refundEstimate { amount currency } allowedResolutions warrantyEndsAt inWarranty } } }`;
const CASES = `query($order: ID!) { afterSalesCases(filter: {order: $order}, first: 50) { edges { node {
  id number kind status deadlines { firstResponseDue firstRespondedAt resolutionDue resolvedAt } } } } }`;
const SALEOR_VARIANTS = `query($id: ID!) { order(id: $id) { lines { id variantName } } }`;

/** The eligibility of the order's lines, in the reader's language (``null`` while loading). */
function useEligibility(channel, orderId, kind, onError) {
  const language = useLanguage();
  const [lines, setLines] = useState(null);
  useEffect(() => {
    if (!channel) return;
    gql(channel, ELIGIBILITY, { order: orderId, kind, language })
      .then((d) => setLines(d.returnEligibility.lines))
      .catch((e) => { setLines([]); onError?.(e.message); });
  }, [channel, orderId, kind, language]); // eslint-disable-line react-hooks/exhaustive-deps
  return lines;
}

/** Variant names by line id: inside the Dashboard Saleor's own order knows them (the plugin records none). */
function useVariantNames(orderId) {
  const [variants, setVariants] = useState({});
  useEffect(() => {
    if (!inSaleor || !orderId) return;
    saleorGql(SALEOR_VARIANTS, { id: orderId })
      .then((d) => setVariants(Object.fromEntries((d.order?.lines || []).map((l) => [l.id, l.variantName || ""]))))
      .catch(() => {});
  }, [orderId]);
  return variants;
}

/** "Headphones (Black) · SKU HP-1", or the end of the line id when the line's name is unknown. */
function LineName({ line, variant }) {
  if (!line.productName && !line.sku) return <span className="line-name">…{line.lineId.slice(-8)}</span>;
  return (
    <span className="line-name">
      <strong>{line.productName || line.sku}</strong>
      {variant && variant !== line.productName && <> ({variant})</>}
      {line.sku && line.productName && <span className="sku"> · SKU {line.sku}</span>}
    </span>
  );
}

const lineLabel = (line) => (line.productName ? `${line.productName}${line.sku ? ` (${line.sku})` : ""}` : line.lineId.slice(-8));

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
  const [error, setError] = useState("");
  const lines = useEligibility(channel, orderId, undefined) || [];
  const variants = useVariantNames(orderId);
  useEffect(() => {
    if (!channel) return;
    gql(channel, CASES, { order: orderId }).then((d) => setCases(d.afterSalesCases.edges.map((e) => e.node))).catch((e) => setError(e.message));
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
                {l.eligible && <>{l.quantity} × </>}<LineName line={l} variant={variants[l.lineId]} />
                {l.eligible && <> · {money(l.refundEstimate)}</>}
                {l.eligible && l.windowEndsText && <> · {t("returnWindow")}: {l.windowEndsText}</>}
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
  const [quantities, setQuantities] = useState({});
  const [reason, setReason] = useState("");
  const [comment, setComment] = useState("");
  const [errors, setErrors] = useState({ rows: {}, fields: {}, form: "" });
  const [created, setCreated] = useState(null);
  const lines = useEligibility(channel, orderId, kind === "REPAIR" ? "REPAIR" : "RETURN",
    (message) => setErrors({ rows: {}, fields: {}, form: message })) || [];
  const variants = useVariantNames(orderId);
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
    // The API names a line by its index among the lines sent (only those with a quantity): map it back to its row.
    const sent = kind === "REPAIR" ? chosen.slice(0, 1) : chosen;
    if (payload.errors.length) { setCreated(null); setErrors(startErrors(payload.errors, sent.map((l) => l.lineId))); }
    else { setErrors({ rows: {}, fields: {}, form: "" }); setCreated(payload.case); }
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
          {lines.map((l) => (
            <tr key={l.lineId}>
              <td><LineName line={l} variant={variants[l.lineId]} /></td>
              <td>{l.eligible ? t("yes") : `${t("no")} — ${l.reasons.map((r) => r.text).join(" ")}`}</td>
              <td>
                <input type="number" min="0" max={l.quantity} aria-label={`${t("quantity")} ${lineLabel(l)}`}
                  value={quantities[l.lineId] || ""} onChange={(e) => setQuantities((q) => ({ ...q, [l.lineId]: e.target.value }))} />
                <FieldError message={errors.rows[l.lineId]} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Input label={t("reason")} value={reason} onChange={(e) => setReason(e.target.value)} error={!!errors.fields.reason} helperText={errors.fields.reason} />
      <Input label={t("comment")} value={comment} onChange={(e) => setComment(e.target.value)} />
      <FieldError message={errors.form} />
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
