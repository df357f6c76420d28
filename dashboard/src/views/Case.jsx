import { useCallback, useEffect, useState } from "react";
import { Input, Textarea } from "@saleor/macaw-ui";
import { gql, errorsByField } from "../api";
import { useLanguage, useT } from "../i18n";
import { CASE_EVENTS, CASE_FIELDS, CASE_LINE_TEXTS, CASE_PAYLOAD } from "../queries";
import { Box, Button, FieldError, Notice, Select, SlaBadge, Text, money } from "../ui";
import { reasonLabel, useReasonLabels } from "../reasons";
import { INSPECTION_CONDITIONS, actorLabel, chosenCondition, explain, inspection, refusedVariable, validAmount } from "./caseText";

const CASE = `query($id: ID!, $language: String) { afterSalesCase(id: $id) { ${CASE_FIELDS} ${CASE_LINE_TEXTS} ${CASE_EVENTS} } }`;
const RESOLUTIONS = ["REFUND", "STORE_CREDIT", "EXCHANGE", "REPAIR", "KEEP_ITEM"];
// The statuses staff set on a repair directly (quotes and approvals have their own actions).
const REPAIR_STATUSES = ["RECEIVED", "DIAGNOSING", "REPAIRING", "SHIPPED_BACK", "CLOSED"];

/** An action on the case that takes one text (a reply, a note, an assignee, a reason), its errors on its control. */
function OneFieldAction({ action, name, argument, multiline, label, value, onChange, button, extraError, onRun }) {
  const Control = multiline ? Textarea : Input;
  const error = action.errorOf(name, argument);
  return (
    <Box display="flex" gap={2} alignItems="flex-end">
      <Control label={label} value={value} onChange={onChange} rows={multiline ? 2 : undefined} error={!!error} helperText={error} />
      <Button variant="secondary" onClick={onRun}>{button}</Button>
      <FieldError message={action.formError(name) || extraError} />
    </Box>
  );
}

/** One action: a form whose errors land on its own controls. */
function useAction(channel, language, onCase, invalidValue = "This value is not valid.") {
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState("");
  const [done, setDone] = useState("");
  async function run(name, mutation, variables) {
    setBusy(name);
    setDone("");
    try {
      const data = await gql(channel, mutation, { ...variables, language });
      const payload = Object.values(data)[0];
      if (payload.errors.length) {
        setErrors({ [name]: errorsByField(payload.errors) });
      } else {
        setErrors({});
        setDone(name);
        onCase(payload.case);
      }
    } catch (e) {
      // GraphQL's coercion message ("Variable "$amount" got invalid value ...") is not for staff: say it on the field.
      const variable = refusedVariable(e.message);
      setErrors({ [name]: variable ? { [variable]: invalidValue } : { _: e.message } });
    } finally {
      setBusy("");
    }
  }
  /** Errors found before asking the API (e.g. a missing choice), shown like the API's. */
  const fail = (name, fieldErrors) => {
    setDone("");
    setErrors({ [name]: fieldErrors });
  };
  const errorOf = (name, field) => errors[name]?.[field] || (field === "_" ? undefined : undefined);
  const formError = (name) => {
    const entries = errors[name] || {};
    return entries._ || entries.id || entries.status || "";
  };
  return { run, fail, errorOf, formError, busy, done };
}

export function CasePage({ channel, caseId, navigate }) {
  const t = useT();
  const language = useLanguage();
  const reasonLabels = useReasonLabels(channel);
  const [caseData, setCase] = useState(null);
  const [error, setError] = useState("");
  const [trace, setTrace] = useState(false);
  const [form, setForm] = useState({ declineReason: "", resolution: "REFUND", amount: "", overrideReason: "",
    reply: "", note: "", assignee: "", escalateReason: "", quote: "", conditions: {} });
  const load = useCallback(async () => {
    try {
      const data = await gql(channel, CASE, { id: caseId, language });
      setCase(data.afterSalesCase);
      if (!data.afterSalesCase) setError("Not found.");
    } catch (e) {
      setError(e.message);
    }
  }, [channel, caseId, language]);
  useEffect(() => { load(); }, [load]);
  const action = useAction(channel, language, (c) => setCase(c), t("invalidValue"));
  if (error) return <Notice kind="error">{error}</Notice>;
  if (!caseData) return <Text>{t("loading")}</Text>;
  const next = caseData.allowedNextStatuses;
  const field = (name) => (e) => setForm((f) => ({ ...f, [name]: e.target ? e.target.value : e }));
  const id = caseData.id;
  const m = (name, args) => {
    const call = args.split(",").map((a) => a.split(":")[0].trim().slice(1)).map((v) => `${v}: $${v}`).join(", ");
    return `mutation(${args}, $language: String) { ${name}(${call}) ${CASE_PAYLOAD} }`;
  };
  const final = next.length === 0;
  const repair = caseData.kind === "REPAIR";

  return (
    <Box display="flex" flexDirection="column" gap={5}>
      <a href="../queue" onClick={(e) => { e.preventDefault(); navigate("queue"); }}>← {t("back")}</a>
      <Box display="flex" gap={4} alignItems="center" flexWrap="wrap">
        <Text as="h1" size={8} fontWeight="bold">#{caseData.number} · {caseData.kind}</Text>
        <span className="badge" data-testid="case-status">{caseData.status}</span>
        <SlaBadge deadlines={caseData.deadlines} />
      </Box>
      {caseData.failureMessage && <Notice kind="error">{t("failureMessage")}: {caseData.failureMessage}</Notice>}
      <section aria-labelledby="h-customer" className="card">
        <h2 id="h-customer">{t("customer")} · {t("order")}</h2>
        <p>{caseData.customerEmail} · {t("order")} {caseData.orderNumber || caseData.orderId} · {t("reason")}: {reasonLabel(reasonLabels, caseData.reason)}</p>
        {caseData.comment && <blockquote>{caseData.comment}</blockquote>}
        {caseData.photoUrls.length > 0 && (
          <div className="photos">
            {caseData.photoUrls.map((url, i) => (
              <a key={url} href={url} target="_blank" rel="noreferrer"><img src={url} alt={`${t("photos")} ${i + 1}`} /></a>
            ))}
          </div>
        )}
      </section>
      <section aria-labelledby="h-lines" className="card">
        <h2 id="h-lines">{t("lines")}</h2>
        <table className="grid">
          <thead><tr><th scope="col">{t("product")}</th><th scope="col">{t("quantity")}</th><th scope="col">{t("eligible")}</th>
            <th scope="col">{t("windowEnds")}</th><th scope="col">{t("paid")}</th><th scope="col">{t("refundedBySaleor")}</th>
            <th scope="col">{t("fee")}</th><th scope="col">{t("refund")}</th><th scope="col">{t("condition")}</th></tr></thead>
          <tbody>
            {caseData.lines.map((line) => (
              <tr key={line.orderLineId}>
                <td>{line.productName} <small>{line.sku}</small></td>
                <td>{line.quantity}</td>
                <td>{line.eligible === null ? "—" : line.eligible ? t("yes") : t("no")}</td>
                <td data-testid="line-window">{line.windowEndsText || "—"}</td>
                <td data-testid="line-paid">{money(line.paid)}</td>
                <td data-testid="line-already-refunded">{money(line.alreadyRefunded)}</td>
                <td>{money(line.fee)}</td>
                <td>{money(line.refund)}</td>
                <td>
                  {next.includes("INSPECTED") ? (
                    <select aria-label={`${t("condition")} ${line.productName || line.sku}`} required
                      value={chosenCondition(line, form.conditions)}
                      aria-invalid={!chosenCondition(line, form.conditions) && !!action.errorOf("inspect", "lines") ? "true" : undefined}
                      onChange={(e) => setForm((f) => ({ ...f, conditions: { ...f.conditions, [line.orderLineId]: e.target.value } }))}>
                      <option value="" disabled>{t("chooseCondition")}</option>
                      {INSPECTION_CONDITIONS.map((c) => <option key={c} value={c}>{c}</option>)}
                    </select>
                  ) : (line.condition || "—")}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="h-money" className="card">
        <h2 id="h-money">{t("money")}</h2>
        <dl className="money">
          <dt>{t("refund")}</dt><dd data-testid="case-refund">{money(caseData.refund)}</dd>
          <dt>{t("fees")}</dt><dd>{money(caseData.fees)}</dd>
          <dt>{t("storeCredit")}</dt><dd>{money(caseData.storeCredit)}</dd>
          <dt>{t("resolution")}</dt><dd>{caseData.resolution || caseData.requestedResolution || "—"}</dd>
        </dl>
      </section>
      <section aria-labelledby="h-decision" className="card">
        <h2 id="h-decision">{t("decision")}</h2>
        <p data-testid="decision-text">{explain(caseData, t)}</p>
        <Button variant="tertiary" aria-expanded={trace} onClick={() => setTrace(!trace)}>{trace ? t("hideTrace") : t("ruleTrace")}</Button>
        {trace && <pre className="trace">{JSON.stringify(caseData.lines.map((l) => l.decision), null, 2)}</pre>}
      </section>
      {!final && (
        <section aria-labelledby="h-actions" className="card">
          <h2 id="h-actions">{t("actions")}</h2>
          <Box display="flex" flexDirection="column" gap={4}>
            {(next.includes("APPROVED") || next.includes("AWAITING_RETURN")) && (
              <div>
                <Button onClick={() => action.run("approve", m("caseApprove", "$id: ID!"), { id })}>{t("approve")}</Button>
                <FieldError message={action.formError("approve")} />
              </div>
            )}
            {next.includes("DECLINED") && (
              <Box display="flex" gap={2} alignItems="flex-end">
                <Input label={t("declineReason")} value={form.declineReason} onChange={field("declineReason")}
                  error={!!action.errorOf("decline", "reason")} helperText={action.errorOf("decline", "reason")} />
                <Button variant="error" onClick={() => action.run("decline", m("caseDecline", "$id: ID!, $reason: String!"), { id, reason: form.declineReason })}>{t("decline")}</Button>
                <FieldError message={action.formError("decline")} />
              </Box>
            )}
            {repair && (
              <Box display="flex" gap={2} alignItems="flex-end" flexWrap="wrap">
                {next.includes("QUOTED") && (
                  <>
                    <Input label={t("quoteAmount")} value={form.quote} onChange={field("quote")} inputMode="decimal"
                      error={!!action.errorOf("quote", "amount")} helperText={action.errorOf("quote", "amount")} />
                    <Button onClick={() => {
                      if (!validAmount(form.quote)) action.fail("quote", { amount: t("amountFormat") });
                      else action.run("quote", m("repairQuoteCreate", "$id: ID!, $amount: Decimal!"), { id, amount: form.quote.trim() });
                    }}>{t("sendQuote")}</Button>
                    <FieldError message={action.formError("quote")} />
                  </>
                )}
                {next.filter((s) => REPAIR_STATUSES.includes(s)).map((status) => (
                  <Button key={status} variant="secondary" data-testid={`repair-${status}`}
                    onClick={() => action.run("repairStatus", m("repairStatusUpdate", "$id: ID!, $status: AfterSalesCaseStatus!"), { id, status })}>
                    {t("repairStatus")} {status}
                  </Button>
                ))}
                <FieldError message={action.formError("repairStatus") || action.errorOf("repairStatus", "status")} />
              </Box>
            )}
            {!repair && next.includes("RECEIVED") && (
              <div>
                <Button onClick={() => action.run("receive", m("returnRequestMarkReceived", "$id: ID!"), { id })}>{t("markReceived")}</Button>
                <FieldError message={action.formError("receive")} />
              </div>
            )}
            {next.includes("INSPECTED") && (
              <div>
                <Button onClick={() => {
                  const chosen = inspection(caseData.lines, form.conditions);
                  if (chosen.missing) action.fail("inspect", { lines: t("chooseEveryCondition") });
                  else action.run("inspect", m("returnRequestInspect", "$id: ID!, $lines: [LineConditionInput!]!"), { id, lines: chosen.lines });
                }}>{t("inspect")}</Button>
                <FieldError message={action.formError("inspect") || action.errorOf("inspect", "lines")} />
              </div>
            )}
            {next.includes("RESOLVED") && (
              <Box display="flex" gap={2} alignItems="flex-end" flexWrap="wrap">
                <Select id="resolution" label={t("resolution")} value={form.resolution} onChange={field("resolution")}
                  options={RESOLUTIONS.map((r) => ({ value: r, label: r }))} error={action.errorOf("resolve", "resolution")} />
                <Input label={t("amount")} value={form.amount} onChange={field("amount")} inputMode="decimal"
                  error={!!action.errorOf("resolve", "amount")} helperText={action.errorOf("resolve", "amount")} />
                <Input label={t("overrideReason")} value={form.overrideReason} onChange={field("overrideReason")}
                  error={!!action.errorOf("resolve", "reason")} helperText={action.errorOf("resolve", "reason")} />
                <Button data-testid="resolve" onClick={() => {
                  if (!validAmount(form.amount)) action.fail("resolve", { amount: t("amountFormat") });
                  else action.run("resolve", m("caseResolve", "$id: ID!, $resolution: AfterSalesResolution, $amount: Decimal, $reason: String"), {
                    id, resolution: form.resolution, amount: form.amount.trim() || null, reason: form.overrideReason || null,
                  });
                }}>{t("resolve")}</Button>
                <FieldError message={action.formError("resolve")} />
              </Box>
            )}
            {[
              { name: "reply", mutation: "caseReply", argument: "message", key: "reply", multiline: true, button: "send" },
              { name: "note", mutation: "caseNoteAdd", argument: "message", key: "note", multiline: true, button: "addNote" },
              { name: "assign", mutation: "caseAssign", argument: "assignee", key: "assignee", button: "assign" },
              { name: "escalate", mutation: "caseEscalate", argument: "reason", key: "escalateReason", button: "escalate", extraError: "tier" },
            ].map((one) => (
              <OneFieldAction key={one.name} action={action} name={one.name} argument={one.argument} multiline={one.multiline}
                label={t(one.key)} value={form[one.key]} onChange={field(one.key)} button={t(one.button)}
                extraError={one.extraError && action.errorOf(one.name, one.extraError)}
                onRun={() => action.run(one.name, m(one.mutation, `$id: ID!, $${one.argument}: String!`), { id, [one.argument]: form[one.key] })} />
            ))}
            {action.done && <Notice>{t("done")}</Notice>}
          </Box>
        </section>
      )}
      <section aria-labelledby="h-timeline" className="card">
        <h2 id="h-timeline">{t("timeline")}</h2>
        <ol className="timeline">
          {caseData.events.map((event, index) => (
            <li key={index} className={event.internal ? "internal" : ""}>
              <time dateTime={event.at}>{new Date(event.at).toLocaleString()}</time> · <strong>{event.type}</strong>
              {event.toStatus && <> → {event.toStatus}</>} · <span className="actor" title={event.actorId || undefined}>{actorLabel(event, t)}</span>
              {event.internal && <> · <em>{t("internal")}</em></>}
              {event.message && <div>{event.message}</div>}
            </li>
          ))}
        </ol>
      </section>
    </Box>
  );
}
