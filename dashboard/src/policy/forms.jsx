// Forms of the policy editor for the parts of the document beyond rules: money amounts, the business calendar,
// the service targets (SLA) and the escalation paths. Fields, choices and ranges come from the policy's JSON Schema;
// every control has a label and the validator's problem for its path under it.
import { useEffect, useState } from "react";
import { useT } from "../i18n";
import { Button, FieldError } from "../ui";
import { errorsAt, errorsUnder } from "./errors";
import { moneyFromRows, moneyRows, moneyShape, nextCurrency, normaliseCurrency } from "./money";
import { choices, numberRange, propertiesAt, schemaAt } from "./schema";
import {
  firstResponse, freeName, holidaysMode, listAdd, listRemove, listSet, newTier, numberOrUndefined, recipients,
  renamePath, setFirstResponse, setHolidaysMode, setKindTargets, setWorkingHours, toggleWeekday, unlessEmpty, withKey,
} from "./sections";

const invalid = (id, error) => (error ? { "aria-invalid": "true", "aria-describedby": `${id}-error` } : {});
const messages = (list) => list.map((e) => e.message).join(" ");

/** A labelled control and the problem of its path. */
function Field({ id, label, help, error, children }) {
  return (
    <div className="param">
      <label htmlFor={id} title={help}>{label}</label>
      {children}
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}

/** A number input with the field's documented range. */
export function NumberInput({ node, value, onChange, error, id, ...props }) {
  const { min, max, step } = numberRange(node);
  return (
    <input id={id} type="number" min={min} max={max} step={step} value={value ?? ""} {...invalid(id, error)} {...props}
      onChange={(e) => onChange(numberOrUndefined(e.target.value))} />
  );
}

/** A list of short texts typed comma separated (recipients, languages). */
export function ListTextInput({ value, onChange, ...props }) {
  const list = Array.isArray(value) ? value : [];
  const [text, setText] = useState(list.join(", "));
  const key = list.join("\n");
  useEffect(() => {
    setText((current) => (recipients(current).join("\n") === key ? current : list.join(", ")));
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <input {...props} value={text} onChange={(e) => {
      setText(e.target.value);
      const next = recipients(e.target.value);
      onChange(next.length ? next : undefined);
    }} />
  );
}

/**
 * Money: an amount and its currency, or one amount per currency (rows to add and remove). Reads every written form
 * and keeps it (see ./money.js); ``optional`` offers to remove the amount altogether.
 */
export function MoneyInput({ id, label, value, onChange, defaultCurrency = "", currencies = [], error, optional }) {
  const t = useT();
  const rows = moneyRows(value, defaultCurrency);
  const [taken, setTaken] = useState("");
  // With several currencies in the policy, a number without its currency would be ambiguous: it is never written bare.
  const written = (next) => moneyFromRows(value, next, { currencyRequired: currencies.length > 1 });
  const emit = (next) => onChange(written(next));
  const bare = moneyShape(value) === "bare";
  const several = rows.length > 1;
  return (
    <fieldset className="money" data-testid="money-input" {...invalid(id, error || taken)}>
      <legend>{label}</legend>
      {rows.map((row, i) => {
        const which = several ? ` ${i + 1}` : "";
        return (
          <span className="money-row" key={i}>
            <input id={`${id}-amount-${i}`} aria-label={`${label}: ${t("amount")}${which}`} inputMode="decimal"
              className="amount" value={String(row.amount)} placeholder="0.00"
              onChange={(e) => emit(listSet(rows, i, { ...row, amount: e.target.value.trim() }))} />
            <input id={`${id}-currency-${i}`} aria-label={`${label}: ${t("currency")}${which}`} list={`${id}-currencies`}
              className="currency" value={row.currency} size={4} maxLength={3} placeholder={bare ? t("noCurrency") : "EUR"}
              onChange={(e) => {
                const code = normaliseCurrency(e.target.value);
                if (code && rows.some((other, j) => j !== i && other.currency === code)) {
                  setTaken(code);
                  return;
                }
                setTaken("");
                emit(listSet(rows, i, { ...row, currency: code }));
              }} />
            {(several || optional) && (
              <Button type="button" variant="tertiary" size="small"
                aria-label={t("removeCurrency", { currency: row.currency || t("amount") })}
                onClick={() => onChange(several ? written(listRemove(rows, i)) : undefined)}>×</Button>
            )}
          </span>
        );
      })}
      <Button type="button" variant="tertiary" size="small"
        onClick={() => emit(listAdd(rows, { currency: nextCurrency(rows, defaultCurrency), amount: "" }))}>
        {t("addCurrency")}
      </Button>
      <datalist id={`${id}-currencies`}>{currencies.map((code) => <option key={code} value={code} />)}</datalist>
      <FieldError id={`${id}-error`} message={taken ? t("currencyTaken", { currency: taken }) : error} />
    </fieldset>
  );
}

// ---- calendar

export function CalendarForm({ calendar, onChange, errors, schema, country }) {
  const t = useT();
  const cal = calendar && typeof calendar === "object" ? calendar : {};
  const path = ["calendar"];
  const fields = Object.fromEntries(propertiesAt(schema, path));
  const set = (key, value) => onChange(unlessEmpty(withKey(cal, key, value)));
  const week = choices(schema, fields.working_days);
  const mode = holidaysMode(calendar);
  const hours = cal.working_hours || {};
  const dateLists = Object.entries(fields).filter(([, node]) => node.type === "array" && node.items?.format === "date");
  // A field the app has no words for yet (a newer schema) is labelled with the schema's title.
  const label = (key) => t(`calendar_${key}`, {}, fields[key]?.title || key);
  return (
    <div className="section-form" data-testid="calendar-form">
      <fieldset className="checks" {...invalid("calendar-days", errorsAt(errors, "$.calendar.working_days"))}>
        <legend title={fields.working_days?.description}>{label("working_days")}</legend>
        {week.map((day) => (
          <label key={day}>
            <input type="checkbox" checked={(cal.working_days || []).includes(day)}
              onChange={(e) => set("working_days", toggleWeekday(cal.working_days, day, e.target.checked, week))} />
            {" "}{t(`day_${day}`)}
          </label>
        ))}
        <FieldError id="calendar-days-error" message={messages(errorsUnder(errors, "$.calendar.working_days"))} />
      </fieldset>

      <div className="row">
        <Field id="calendar-holidays-mode" label={label("holidays_country")} help={fields.holidays_country?.description}
          error={errorsAt(errors, "$.calendar.holidays_country")}>
          <select id="calendar-holidays-mode" value={mode}
            onChange={(e) => onChange(setHolidaysMode(cal, e.target.value, cal.holidays_country || country || ""))}>
            <option value="default">{t("holidaysDefault", { country: country || "—" })}</option>
            <option value="country">{t("holidaysOf")}</option>
            <option value="none">{t("holidaysNone")}</option>
          </select>
        </Field>
        {mode === "country" && (
          <Field id="calendar-holidays-country" label={t("countryCode")}>
            <input id="calendar-holidays-country" value={cal.holidays_country ?? ""} size={4} maxLength={2}
              onChange={(e) => set("holidays_country", e.target.value.toUpperCase())} />
          </Field>
        )}
        <Field id="calendar-subdivision" label={label("subdivision")} help={fields.subdivision?.description}
          error={errorsAt(errors, "$.calendar.subdivision")}>
          <input id="calendar-subdivision" value={cal.subdivision ?? ""} size={6}
            onChange={(e) => set("subdivision", e.target.value || undefined)} />
        </Field>
      </div>

      <label className="check-line" title={fields.follow_official_calendar?.description}>
        <input type="checkbox" checked={cal.follow_official_calendar ?? fields.follow_official_calendar?.default ?? true}
          onChange={(e) => set("follow_official_calendar", e.target.checked)} />
        {" "}{label("follow_official_calendar")}
      </label>
      <FieldError message={errorsAt(errors, "$.calendar.follow_official_calendar")} />

      <fieldset className="checks" title={fields.working_hours?.description}>
        <legend>{label("working_hours")}</legend>
        <Field id="calendar-opens" label={t("opensAt")} error={errorsAt(errors, "$.calendar.working_hours.start")}>
          <input id="calendar-opens" type="time" value={hours.start ?? ""}
            onChange={(e) => onChange(unlessEmpty(setWorkingHours(cal, e.target.value, hours.end ?? "")))} />
        </Field>
        <Field id="calendar-closes" label={t("closesAt")} error={errorsAt(errors, "$.calendar.working_hours.end")}>
          <input id="calendar-closes" type="time" value={hours.end ?? ""}
            onChange={(e) => onChange(unlessEmpty(setWorkingHours(cal, hours.start ?? "", e.target.value)))} />
        </Field>
        <span className="hint">{t("wholeDays")}</span>
        <FieldError message={errorsAt(errors, "$.calendar.working_hours")} />
      </fieldset>

      {dateLists.map(([key, node]) => (
        <DateList key={key} name={key} label={label(key)} help={node.description} dates={cal[key] || []}
          errors={errors} onChange={(dates) => set(key, dates.length ? dates : undefined)} />
      ))}
      <FieldError message={errorsAt(errors, "$.calendar")} />
    </div>
  );
}

/** Closing days (or make-up working days): one date per row, rows to add and remove. */
function DateList({ name, label, help, dates, onChange, errors }) {
  const t = useT();
  const base = `$.calendar.${name}`;
  return (
    <fieldset className="date-list" data-testid={`calendar-${name}`}>
      <legend title={help}>{label}</legend>
      <ol>
        {dates.map((date, i) => {
          const id = `calendar-${name}-${i}`;
          const error = errorsAt(errors, `${base}[${i}]`);
          return (
            <li key={i}>
              <input id={id} type="date" value={date} aria-label={`${label} ${i + 1}`} {...invalid(id, error)}
                onChange={(e) => onChange(listSet(dates, i, e.target.value))} />
              <Button type="button" variant="tertiary" size="small" aria-label={t("removeDate", { date: date || i + 1 })}
                onClick={() => onChange(listRemove(dates, i))}>×</Button>
              <FieldError id={`${id}-error`} message={error} />
            </li>
          );
        })}
      </ol>
      <Button type="button" variant="secondary" size="small"
        onClick={() => onChange(listAdd(dates, nextDate(dates)))}>{t("addDate", { list: label })}</Button>
      <FieldError message={errorsAt(errors, base)} />
    </fieldset>
  );
}

/** The day after the last date of the list (today for an empty list), as YYYY-MM-DD. */
function nextDate(dates) {
  const last = dates[dates.length - 1];
  const day = last && !Number.isNaN(Date.parse(last)) ? new Date(Date.parse(last) + 86400000) : new Date();
  return day.toISOString().slice(0, 10);
}

// ---- service targets

export function SlaForm({ sla, onChange, errors, schema }) {
  const t = useT();
  const all = sla && typeof sla === "object" ? sla : {};
  const kinds = propertiesAt(schema, ["sla"]).map(([kind]) => kind);
  const fr = schemaAt(schema, ["sla", kinds[0], "first_response"]);
  const hoursNode = schemaAt(schema, ["sla", kinds[0], "first_response", "hours"]);
  const clockNode = schemaAt(schema, ["sla", kinds[0], "first_response", "clock"]);
  const daysNode = schemaAt(schema, ["sla", kinds[0], "resolution_working_days"]);
  return (
    <div className="section-form" data-testid="sla-form">
      <table className="grid">
        <thead>
          <tr>
            <th scope="col">{t("kind")}</th>
            <th scope="col" title={fr.description}>{t("firstResponseHours")}</th>
            <th scope="col" title={clockNode.description}>{t("clock")}</th>
            <th scope="col" title={daysNode.description}>{t("resolutionDays")}</th>
          </tr>
        </thead>
        <tbody>
          {kinds.map((kind) => {
            const targets = all[kind];
            const response = firstResponse(targets);
            const base = `$.sla.${kind}`;
            const setTargets = (next) => onChange(setKindTargets(all, kind, next));
            const kindLabel = t(`kind_${kind}`);
            const hoursError = errorsAt(errors, `${base}.first_response.hours`) || errorsAt(errors, `${base}.first_response_hours`)
              || errorsAt(errors, `${base}.first_response`);
            const clockError = errorsAt(errors, `${base}.first_response.clock`);
            const daysError = errorsAt(errors, `${base}.resolution_working_days`);
            return (
              <tr key={kind} data-testid={`sla-${kind}`}>
                <th scope="row">{kindLabel}</th>
                <td>
                  <NumberInput id={`sla-${kind}-hours`} node={hoursNode} value={response.hours} error={hoursError}
                    aria-label={`${kindLabel}: ${t("firstResponseHours")}`}
                    onChange={(hours) => setTargets(setFirstResponse(targets, hours, response.clock))} />
                  <FieldError id={`sla-${kind}-hours-error`} message={hoursError} />
                </td>
                <td>
                  <select id={`sla-${kind}-clock`} aria-label={`${kindLabel}: ${t("clock")}`} value={response.clock}
                    disabled={response.hours === undefined} {...invalid(`sla-${kind}-clock`, clockError)}
                    onChange={(e) => setTargets(setFirstResponse(targets, response.hours, e.target.value))}>
                    {choices(schema, clockNode).map((clock) => <option key={clock} value={clock}>{t(`clock_${clock}`)}</option>)}
                  </select>
                  <FieldError id={`sla-${kind}-clock-error`} message={clockError} />
                </td>
                <td>
                  <NumberInput id={`sla-${kind}-days`} node={daysNode} value={targets?.resolution_working_days} error={daysError}
                    aria-label={`${kindLabel}: ${t("resolutionDays")}`}
                    onChange={(days) => setTargets(withKey(targets, "resolution_working_days", days))} />
                  <FieldError id={`sla-${kind}-days-error`} message={daysError} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="hint">{t("slaHint")}</p>
      <FieldError message={messages(errors.filter((e) => e.path === "$.sla" || kinds.some((k) => e.path === `$.sla.${k}`)))} />
    </div>
  );
}

// ---- escalation paths

/** A path's name: renamed as typed while it is a new, non-empty name; otherwise the input says why not. */
function PathName({ id, name, taken, error, onRename }) {
  const t = useT();
  const [text, setText] = useState(name);
  useEffect(() => setText(name), [name]);
  const problem = text === name ? "" : !text.trim() ? t("pathNameEmpty") : taken.includes(text) ? t("pathNameTaken", { name: text }) : "";
  return (
    <Field id={id} label={t("pathName")} error={problem || error}>
      <input id={id} value={text} {...invalid(id, problem || error)} onChange={(e) => {
        setText(e.target.value);
        if (e.target.value.trim() && !taken.includes(e.target.value)) onRename(e.target.value);
      }} />
    </Field>
  );
}

export function EscalationForm({ escalation, onChange, errors, schema }) {
  const t = useT();
  const paths = escalation && typeof escalation === "object" ? escalation : {};
  const tiersNode = schemaAt(schema, ["escalation", "*"]);
  const tier = Object.fromEntries(propertiesAt(schema, ["escalation", "*", "[]"]));
  const maxTiers = tiersNode.maxItems ?? Infinity;
  const names = Object.keys(paths);
  const setPaths = (next) => onChange(unlessEmpty(next));
  return (
    <div className="section-form" data-testid="escalation-form">
      {names.map((name, p) => {
        const tiers = Array.isArray(paths[name]) ? paths[name] : [];
        const base = `$.escalation.${name}`;
        const setTiers = (next) => setPaths({ ...paths, [name]: next });
        const pathId = `escalation-${p}`;
        return (
          <fieldset key={p} className="escalation-path" data-testid="escalation-path">
            <legend>{t("escalationPath", { name })}</legend>
            <div className="row">
              <PathName id={`${pathId}-name`} name={name} taken={names} error={errorsAt(errors, base)}
                onRename={(to) => setPaths(renamePath(paths, name, to))} />
              <Button type="button" variant="error" size="small" onClick={() => setPaths(withKey(paths, name, undefined))}>
                {t("removePath", { name })}
              </Button>
            </div>
            <table className="grid">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col" title={tier.name?.description}>{t("tierName")}</th>
                  <th scope="col" title={tier.after_hours?.description}>{t("afterHours")}</th>
                  <th scope="col" title={tier.notify?.description}>{t("notify")}</th>
                  <th scope="col"><span className="sr-only">{t("actions")}</span></th>
                </tr>
              </thead>
              <tbody>
                {tiers.map((row, i) => {
                  const at = `${base}[${i}]`;
                  const id = `${pathId}-tier-${i}`;
                  const setTier = (key, value) => setTiers(listSet(tiers, i, withKey(row, key, value)));
                  const nameError = errorsAt(errors, `${at}.name`);
                  const hoursError = errorsAt(errors, `${at}.after_hours`);
                  const notifyError = messages(errorsUnder(errors, `${at}.notify`));
                  return (
                    <tr key={i} data-testid="escalation-tier">
                      <td>{i + 1}</td>
                      <td>
                        <input id={`${id}-name`} aria-label={`${name} ${i + 1}: ${t("tierName")}`} value={row.name ?? ""}
                          maxLength={tier.name?.maxLength} {...invalid(`${id}-name`, nameError)}
                          onChange={(e) => setTier("name", e.target.value)} />
                        <FieldError id={`${id}-name-error`} message={nameError} />
                      </td>
                      <td>
                        <NumberInput id={`${id}-hours`} node={tier.after_hours || {}} value={row.after_hours} error={hoursError}
                          aria-label={`${name} ${i + 1}: ${t("afterHours")}`} onChange={(v) => setTier("after_hours", v)} />
                        <FieldError id={`${id}-hours-error`} message={hoursError} />
                      </td>
                      <td>
                        <ListTextInput id={`${id}-notify`} aria-label={`${name} ${i + 1}: ${t("notify")}`} value={row.notify}
                          className="wide" placeholder="support@shop.example, group:supervisors" {...invalid(`${id}-notify`, notifyError)}
                          onChange={(list) => setTier("notify", list)} />
                        <FieldError id={`${id}-notify-error`} message={notifyError} />
                      </td>
                      <td>
                        <Button type="button" variant="tertiary" size="small"
                          aria-label={t("removeTier", { name: row.name || i + 1, path: name })}
                          onClick={() => setTiers(listRemove(tiers, i))}>{t("remove")}</Button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <Button type="button" variant="secondary" size="small" disabled={tiers.length >= maxTiers}
              onClick={() => setTiers(listAdd(tiers, newTier(tiers)))}>{t("addTier", { name })}</Button>
            {tiers.length >= maxTiers && <span className="hint">{t("tierLimit", { max: maxTiers })}</span>}
          </fieldset>
        );
      })}
      <Button type="button" variant="secondary" size="small"
        onClick={() => setPaths({ ...paths, [freeName(names, "path")]: [{ name: "agent", after_hours: 0 }] })}>
        {t("addPath")}
      </Button>
      <FieldError message={errorsAt(errors, "$.escalation")} />
    </div>
  );
}
