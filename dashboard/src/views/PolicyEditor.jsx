import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { QueryBuilder } from "react-querybuilder";
import "react-querybuilder/dist/query-builder.css";
import YAML from "yaml";
import { Input } from "@saleor/macaw-ui";
import { gql, policyUrl } from "../api";
import { useT } from "../i18n";
import { guardLeaving } from "../leaveGuard";
import { CodeEditor } from "../policy/CodeEditor";
import { errorsAt, errorsUnder, paramErrors } from "../policy/errors";
import { CalendarForm, EscalationForm, ListTextInput, MoneyInput, NumberInput, SlaForm } from "../policy/forms";
import { moveRule, newRule, parsePolicyText, toDocument, toModel } from "../policy/model";
import { ValueEditor } from "../policy/ValueEditor";
import { documentCurrencies } from "../policy/money";
import { actionParamsSchema, choices, paramKind, policySchema, resolve, schemaAt } from "../policy/schema";
import { Box, Button, FieldError, Notice, Text } from "../ui";

const LOAD = `{ afterSalesPolicyBuilder afterSalesPolicyVersions { version name createdAt createdBy current source changes } }`;
const DRAFT = `query($policy: String!) { afterSalesPolicyDraft(policy: $policy) { valid policyErrors { path code message } policyWarnings { path code message } texts { language text } changes } }`;
const SIMULATE = `mutation($draft: String!) { policySimulate(draft: $draft) { report { newlyEligible newlyIneligible windowLonger windowShorter feesChanged refundChanged resolutionsChanged text } policyErrors { path code message } errors { field code message } } }`;
const PUBLISH = `mutation($policy: String!) { policyPublish(policy: $policy) { created version { version } policyErrors { path code message } errors { field code message } } }`;
const ROLLBACK = `mutation($version: Int!) { policyRollback(version: $version) { created version { version } policyErrors { path code message } errors { field code message } } }`;


function ParamInput({ spec, value, onChange, error, id, node, params, editor }) {
  const t = useT();
  const label = `${spec.name}${spec.required ? " *" : ""}`;
  const kind = paramKind(editor.schema, node, value, params);
  if (kind === "money") {
    return (
      <div className="param" title={spec.description}>
        <MoneyInput id={id} label={label} value={value} onChange={onChange} error={error} optional={!spec.required}
          defaultCurrency={editor.currency} currencies={editor.currencies} />
      </div>
    );
  }
  if (kind === "object") {
    const current = value && typeof value === "object" ? value : {};
    const setPart = (key, part) => {
      const next = { ...current };
      if (part === undefined) delete next[key];
      else next[key] = part;
      onChange(Object.keys(next).length ? next : undefined);
    };
    return (
      <fieldset className="checks" title={spec.description}>
        <legend>{label}</legend>
        {Object.entries(node.properties).map(([key, child]) => {
          const part = resolve(editor.schema, child);
          const partId = `${id}-${key}`;
          const options = choices(editor.schema, part);
          return (
            <span className="param" key={key}>
              <label htmlFor={partId} title={part.description}>{t(`param_${key}`, {}, key)}</label>
              {options.length ? (
                <select id={partId} value={current[key] ?? ""} onChange={(e) => setPart(key, e.target.value || undefined)}>
                  <option value="" />
                  {options.map((o) => <option key={o} value={o}>{t(`${key}_${o}`, {}, o)}</option>)}
                </select>
              ) : (
                <NumberInput id={partId} node={part} value={current[key]} onChange={(v) => setPart(key, v)} />
              )}
            </span>
          );
        })}
        <FieldError message={error} />
      </fieldset>
    );
  }
  let control;
  if (spec.options.length && spec.fieldType === "select_multiple") {
    const list = Array.isArray(value) ? value : [];
    control = (
      <fieldset className="checks"><legend>{label}</legend>
        {spec.options.map((o) => (
          <label key={o}><input type="checkbox" checked={list.includes(o)}
            onChange={(e) => onChange(e.target.checked ? [...list, o] : list.filter((x) => x !== o))} /> {o}</label>
        ))}
      </fieldset>
    );
    return <div>{control}<FieldError message={error} /></div>;
  }
  const suggestions = spec.name === "path" ? editor.escalationPaths : [];
  if (spec.options.length) {
    control = (
      <select id={id} value={value ?? ""} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="" />
        {spec.options.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    );
  } else if (kind === "number") {
    // add_fee's percentage: written as a number (12.5), never as the text '12.5'.
    control = <NumberInput id={id} node={node} value={value} onChange={onChange} error={error} />;
  } else if (spec.fieldType === "numeric") {
    control = <input id={id} type="number" step={spec.integer ? 1 : "any"} min={spec.minimum ?? undefined} max={spec.maximum ?? undefined}
      value={value ?? ""} onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))} />;
  } else if (spec.fieldType === "boolean") {
    control = <input id={id} type="checkbox" checked={!!value} onChange={(e) => onChange(e.target.checked)} />;
  } else {
    control = <input id={id} value={value ?? ""} list={suggestions.length ? `${id}-list` : undefined}
      onChange={(e) => onChange(e.target.value || undefined)} />;
  }
  return (
    <div className="param">
      <label htmlFor={id} title={spec.description}>{label}</label>
      {control}
      {suggestions.length > 0 && <datalist id={`${id}-list`}>{suggestions.map((o) => <option key={o} value={o} />)}</datalist>}
      <FieldError message={error} />
    </div>
  );
}

function RuleCard({ item, index, count, builder, errors, fields, onChange, onMove, onRemove, dragging, editor }) {
  const t = useT();
  const base = `$.rules[${index}]`;
  const rule = item.rule;
  const setRule = (patch) => onChange({ ...item, rule: { ...rule, ...patch } });
  const actions = rule.actions || [];
  const setAction = (i, next) => setRule({ actions: actions.map((a, j) => (j === i ? next : a)) });
  const ruleErrors = errorsUnder(errors, base);
  return (
    <li className="rule-card" draggable onDragStart={(e) => { dragging.current = index; e.dataTransfer.effectAllowed = "move"; }}
      onDragOver={(e) => e.preventDefault()} onDrop={(e) => { e.preventDefault(); onMove(dragging.current, index); }}
      aria-label={`${t("rules")} ${index + 1}: ${rule.id}`} data-testid="rule-card">
      <Box display="flex" gap={2} alignItems="flex-end" flexWrap="wrap">
        <span className="drag-handle" aria-hidden="true">⠿</span>
        <div className="param">
          <label htmlFor={`rule-${item.key}-id`}>{t("ruleId")}</label>
          <input id={`rule-${item.key}-id`} value={rule.id ?? ""} onChange={(e) => setRule({ id: e.target.value })} />
          <FieldError message={errorsAt(errors, `${base}.id`)} />
        </div>
        <div className="param grow">
          <label htmlFor={`rule-${item.key}-desc`}>{t("description")}</label>
          <input id={`rule-${item.key}-desc`} value={rule.description ?? ""} onChange={(e) => setRule({ description: e.target.value })} />
          <FieldError message={errorsAt(errors, `${base}.description`)} />
        </div>
        <div className="param">
          <label htmlFor={`rule-${item.key}-prio`}>{t("priority")}</label>
          <input id={`rule-${item.key}-prio`} type="number" value={rule.priority ?? ""} onChange={(e) => setRule({ priority: e.target.value === "" ? undefined : Number(e.target.value) })} />
          <FieldError message={errorsAt(errors, `${base}.priority`)} />
        </div>
        <Button variant="tertiary" size="small" disabled={index === 0} onClick={() => onMove(index, index - 1)}>{t("moveUp")}</Button>
        <Button variant="tertiary" size="small" disabled={index === count - 1} onClick={() => onMove(index, index + 1)}>{t("moveDown")}</Button>
        <Button variant="error" size="small" onClick={onRemove}>{t("removeRule")}</Button>
      </Box>
      <Text size={2} fontWeight="bold">{t("conditions")}</Text>
      <QueryBuilder
        fields={fields}
        query={item.query}
        onQueryChange={(query) => onChange({ ...item, query })}
        controlElements={{ valueEditor: ValueEditor }}
        context={{ operators: builder.operators, errors, ruleIndex: index, query: item.query, currency: editor.currency, currencies: editor.currencies }}
        getOperators={(field) => {
          const spec = builder.variables.find((v) => v.name === field);
          return (builder.operators[spec?.fieldType] || []).map((o) => ({ name: o.name, label: o.label }));
        }}
        getDefaultOperator={(field) => {
          const spec = builder.variables.find((v) => v.name === field);
          return builder.operators[spec?.fieldType]?.[0]?.name || "equal_to";
        }}
        translations={{ addRule: { label: t("addCondition"), title: t("addConditionTitle") }, addGroup: { label: t("addGroup"), title: t("addGroupTitle") } }}
      />
      <FieldError message={errorsAt(errors, `${base}.conditions`)} />
      <Text size={2} fontWeight="bold">{t("actions")}</Text>
      <ol className="actions-list">
        {actions.map((action, i) => {
          const spec = builder.actions.find((a) => a.name === action.name);
          const paramsSchema = actionParamsSchema(editor.schema, action.name);
          const path = `${base}.actions[${i}]`;
          return (
            <li key={i} className="action-row">
              <div className="param">
                <label htmlFor={`rule-${item.key}-action-${i}`}>{t("action")}</label>
                <select id={`rule-${item.key}-action-${i}`} value={action.name}
                  onChange={(e) => setAction(i, { name: e.target.value, params: {} })}>
                  {builder.actions.map((a) => <option key={a.name} value={a.name}>{a.label}</option>)}
                </select>
                <FieldError message={errorsAt(errors, path) || errorsAt(errors, `${path}.name`)} />
              </div>
              {spec?.params.map((p) => (
                <ParamInput key={p.name} spec={p} id={`rule-${item.key}-action-${i}-${p.name}`}
                  node={resolve(editor.schema, paramsSchema.properties?.[p.name])} params={action.params || {}} editor={editor}
                  value={action.params?.[p.name]}
                  error={paramErrors(errors, path, p.name)}
                  onChange={(v) => {
                    const params = { ...(action.params || {}) };
                    if (v === undefined) delete params[p.name];
                    else params[p.name] = v;
                    setAction(i, { ...action, params });
                  }} />
              ))}
              <Button variant="tertiary" size="small" onClick={() => setRule({ actions: actions.filter((_, j) => j !== i) })}>{t("removeAction")}</Button>
            </li>
          );
        })}
      </ol>
      <Button variant="secondary" size="small" onClick={() => setRule({ actions: [...actions, { name: "allow", params: {} }] })}>{t("addAction")}</Button>
      {ruleErrors.length > 0 && <span className="sr-only">{ruleErrors.length} errors in this rule</span>}
    </li>
  );
}

function DefaultsForm({ defaults, onChange, errors, builder, schema }) {
  const d = defaults || {};
  const window_ = d.window || {};
  const set = (patch) => onChange({ ...d, ...patch });
  const setWindow = (patch) => set({ window: { ...window_, ...patch } });
  const field = (name, control) => (
    <div className="param" key={name}>
      <label htmlFor={`defaults-${name}`}>{name.replace(/_/g, " ")}</label>
      {control}
      <FieldError message={errorsAt(errors, `$.defaults.${name}`)} />
    </div>
  );
  const text = (name) => field(name, <input id={`defaults-${name}`} value={d[name] ?? ""} onChange={(e) => set({ [name]: e.target.value || undefined })} />);
  const number = (name) => field(name, <NumberInput id={`defaults-${name}`} node={schemaAt(schema, ["defaults", name])} value={d[name]} onChange={(v) => set({ [name]: v })} />);
  return (
    <Box display="flex" gap={3} flexWrap="wrap">
      {text("currency")}{text("country")}{text("time_zone")}
      {field("languages", <ListTextInput id="defaults-languages" value={d.languages} onChange={(v) => set({ languages: v || [] })} />)}
      {field("eligible", <input id="defaults-eligible" type="checkbox" checked={d.eligible !== false} onChange={(e) => set({ eligible: e.target.checked })} />)}
      <fieldset className="checks">
        <legend>window</legend>
        <label>days <NumberInput aria-label="window days" node={schemaAt(schema, ["defaults", "window", "days"])} value={window_.days} onChange={(v) => setWindow({ days: v })} /></label>
        <label>anchor <select aria-label="window anchor" value={window_.anchor ?? ""} onChange={(e) => setWindow({ anchor: e.target.value })}>
          {builder.anchors.map((a) => <option key={a}>{a}</option>)}</select></label>
        <label>day kind <select aria-label="window day kind" value={window_.day_kind ?? ""} onChange={(e) => setWindow({ day_kind: e.target.value })}>
          {builder.dayKinds.map((a) => <option key={a}>{a}</option>)}</select></label>
        <FieldError message={errorsUnder(errors, "$.defaults.window").map((e) => e.message).join(" ")} />
      </fieldset>
      <fieldset className="checks">
        <legend>resolutions</legend>
        {builder.resolutions.map((r) => (
          <label key={r}><input type="checkbox" checked={(d.resolutions || []).includes(r)}
            onChange={(e) => set({ resolutions: e.target.checked ? [...(d.resolutions || []), r] : (d.resolutions || []).filter((x) => x !== r) })} /> {r}</label>
        ))}
        <FieldError message={errorsUnder(errors, "$.defaults.resolutions").map((e) => e.message).join(" ")} />
      </fieldset>
      {text("review")}{number("warranty_months")}{number("store_credit_bonus")}{number("prior_returns_days")}
    </Box>
  );
}

/** A new text (a reason code) in one language: its value is typed in the field that appears. */
function NewTextKey({ language, entries, onAdd }) {
  const t = useT();
  const [key, setKey] = useState("");
  const name = key.trim();
  const taken = Object.prototype.hasOwnProperty.call(entries, name);
  const id = `text-${language}-new-key`;
  return (
    <Box display="flex" gap={2} alignItems="flex-end">
      <div className="param">
        <label htmlFor={id}>{t("textKey")}</label>
        <input id={id} value={key} placeholder="defect_claim" onChange={(e) => setKey(e.target.value)} />
        <FieldError message={taken ? t("textKeyTaken", { key: name }) : ""} />
      </div>
      <Button variant="secondary" size="small" disabled={!name || taken}
        onClick={() => { onAdd(name); setKey(""); }}>{t("addText", { language })}</Button>
    </Box>
  );
}

function TextsForm({ texts, onChange, errors }) {
  const t = useT();
  const all = texts || {};
  const [newLanguage, setNewLanguage] = useState("");
  return (
    <Box display="flex" flexDirection="column" gap={3}>
      {Object.entries(all).map(([language, entries]) => (
        <fieldset key={language} className="texts"><legend>{language}</legend>
          {Object.entries(entries || {}).map(([key, value]) => (
            <div className="param" key={key}>
              <label htmlFor={`text-${language}-${key}`}>{key}</label>
              <input id={`text-${language}-${key}`} value={value} className="wide"
                onChange={(e) => onChange({ ...all, [language]: { ...entries, [key]: e.target.value } })} />
              <FieldError message={errorsAt(errors, `$.texts.${language}.${key}`)} />
            </div>
          ))}
          <NewTextKey language={language} entries={entries || {}}
            onAdd={(key) => onChange({ ...all, [language]: { ...(entries || {}), [key]: "" } })} />
          <FieldError message={errorsAt(errors, `$.texts.${language}`)} />
        </fieldset>
      ))}
      <Box display="flex" gap={2} alignItems="flex-end">
        <Input label={t("addLanguage")} value={newLanguage} onChange={(e) => setNewLanguage(e.target.value)} size="small" />
        <Button variant="secondary" size="small" disabled={!newLanguage.trim()} onClick={() => {
          const first = Object.values(all)[0] || {};
          onChange({ ...all, [newLanguage.trim()]: { ...first } });
          setNewLanguage("");
        }}>{t("addLanguage")}</Button>
      </Box>
      <FieldError message={errorsAt(errors, "$.texts")} />
    </Box>
  );
}

export default function PolicyEditor({ channel }) {
  const t = useT();
  const [builder, setBuilder] = useState(null);
  const [versions, setVersions] = useState([]);
  const [model, setModel] = useState(null);
  const [text, setText] = useState("");
  const [tab, setTab] = useState("visual");
  const [syntax, setSyntax] = useState("");
  const [draft, setDraft] = useState(null);
  const [simulation, setSimulation] = useState(null);
  const [outcome, setOutcome] = useState(null);
  const [loadError, setLoadError] = useState("");
  const [publishedText, setPublishedText] = useState(null);
  const dragging = useRef(null);
  const unpublished = publishedText !== null && text !== publishedText;
  useEffect(() => {
    guardLeaving(unpublished ? t("leaveUnpublished") : null);
    if (!unpublished) return undefined;
    const warn = (event) => { event.preventDefault(); event.returnValue = ""; };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [unpublished]); // the question is worded when the editor first has unpublished changes
  useEffect(() => () => guardLeaving(null), []);

  const load = useCallback(async () => {
    try {
      const data = await gql(channel, LOAD);
      setBuilder(data.afterSalesPolicyBuilder);
      setVersions(data.afterSalesPolicyVersions);
      const source = data.afterSalesPolicyVersions.find((v) => v.current)?.source || "schema_version: 1\ndefaults: {}\nrules: []\n";
      setText(source);
      setPublishedText(source);
      setModel(toModel(parsePolicyText(source)));
      setLoadError("");
    } catch (e) {
      setLoadError(e.message);
    }
  }, [channel]);
  useEffect(() => { load(); }, [load]);

  // Visual changes regenerate the text; text changes rebuild the visual model when they parse. A change that
  // leaves the document as it is (the condition builder reports its query when it mounts) keeps the merchant's
  // text, comments and layout included.
  const updateModel = (next) => {
    const same = model && JSON.stringify(toDocument(next)) === JSON.stringify(toDocument(model));
    setModel(next);
    if (same) return;
    setText(YAML.stringify(toDocument(next), { lineWidth: 0, version: "1.1" }));
    setSyntax("");
  };
  const updateText = (next) => {
    setText(next);
    try {
      setModel(toModel(parsePolicyText(next)));
      setSyntax("");
    } catch (e) {
      setSyntax(e.message);
    }
  };

  // Live validation and preview, exactly as publishing would check and render.
  useEffect(() => {
    if (!text) return undefined;
    const timer = setTimeout(() => {
      gql(channel, DRAFT, { policy: text }).then((d) => setDraft(d.afterSalesPolicyDraft)).catch((e) => setDraft({ valid: false, policyErrors: [{ path: "$", code: "request", message: e.message }], texts: [], changes: [] }));
    }, 350);
    return () => clearTimeout(timer);
  }, [text, channel]);

  const fields = useMemo(() => (builder ? builder.variables.map((v) => ({
    name: v.name, label: v.label, fieldType: v.fieldType, choices: v.options, description: v.description,
  })) : []), [builder]);
  const schema = useMemo(() => policySchema(builder), [builder]);

  if (loadError) return <Notice kind="error">{loadError}</Notice>;
  if (!builder || !model) return <Text>{t("loading")}</Text>;
  const errors = draft?.policyErrors || [];
  const doc = toDocument(model);
  const setDoc = (key, value) => {
    const document = { ...model.document };
    if (value === undefined) delete document[key];
    else document[key] = value;
    updateModel({ ...model, document });
  };
  const setRules = (rules) => updateModel({ ...model, rules });
  const currencies = [...new Set([doc.defaults?.currency, ...documentCurrencies(doc)].filter(Boolean))];
  // A new amount offers the policy's currency, or the one currency its amounts are in (the host may fill the first).
  const currency = doc.defaults?.currency || (currencies.length === 1 ? currencies[0] : "");
  const editor = {
    schema,
    currency,
    currencies,
    escalationPaths: Object.keys(doc.escalation || {}),
  };

  async function simulate() {
    const data = await gql(channel, SIMULATE, { draft: text });
    setSimulation(data.policySimulate);
  }
  async function publish(mutation, variables) {
    const data = await gql(channel, mutation, variables);
    const payload = Object.values(data)[0];
    setOutcome(payload);
    if (!payload.errors.length && !payload.policyErrors.length) {
      const refreshed = await gql(channel, LOAD);
      setVersions(refreshed.afterSalesPolicyVersions);
      const source = refreshed.afterSalesPolicyVersions.find((v) => v.current)?.source;
      if (mutation === ROLLBACK && source) updateText(source);
      setPublishedText(mutation === ROLLBACK ? source ?? text : text);
    }
  }

  return (
    <Box display="flex" flexDirection="column" gap={4}>
      <Box display="flex" gap={4} alignItems="center" flexWrap="wrap">
        <Text as="h1" size={7} fontWeight="bold">{t("policyTitle", { channel })}</Text>
        <a href={policyUrl(channel)} target="_blank" rel="noreferrer">{policyUrl(channel)}</a>
      </Box>
      <div role="tablist" aria-label={t("navPolicy")} className="tabs">
        <button role="tab" aria-selected={tab === "visual"} onClick={() => setTab("visual")}>{t("visual")}</button>
        <button role="tab" aria-selected={tab === "document"} onClick={() => setTab("document")}>{t("document")}</button>
      </div>
      <div className="editor-layout">
        <div className="editor-main">
          {tab === "visual" ? (
            <Box display="flex" flexDirection="column" gap={4}>
              <section className="card" aria-labelledby="h-rules">
                <h2 id="h-rules">{t("rules")}</h2>
                <ol className="rules">
                  {model.rules.map((item, index) => (
                    <RuleCard key={item.key} item={item} index={index} count={model.rules.length} builder={builder}
                      errors={errors} fields={fields} dragging={dragging} editor={editor}
                      onChange={(next) => setRules(model.rules.map((r, i) => (i === index ? next : r)))}
                      onMove={(from, to) => setRules(moveRule(model.rules, from, to))}
                      onRemove={() => setRules(model.rules.filter((_, i) => i !== index))} />
                  ))}
                </ol>
                <Button variant="secondary" onClick={() => setRules([...model.rules, newRule(model.rules)])}>{t("addRule")}</Button>
              </section>
              <section className="card" aria-labelledby="h-defaults">
                <h2 id="h-defaults">{t("defaults")}</h2>
                <DefaultsForm defaults={doc.defaults} builder={builder} schema={schema} errors={errors} onChange={(v) => setDoc("defaults", v)} />
              </section>
              <section className="card" aria-labelledby="h-texts">
                <h2 id="h-texts">{t("texts")}</h2>
                <TextsForm texts={doc.texts} errors={errors} onChange={(v) => setDoc("texts", v)} />
              </section>
              <section className="card" aria-labelledby="h-calendar">
                <h2 id="h-calendar">{t("calendar")}</h2>
                <CalendarForm calendar={doc.calendar} schema={schema} errors={errors} country={doc.defaults?.country}
                  onChange={(v) => setDoc("calendar", v)} />
              </section>
              <section className="card" aria-labelledby="h-sla">
                <h2 id="h-sla">{t("slas")}</h2>
                <SlaForm sla={doc.sla} schema={schema} errors={errors} onChange={(v) => setDoc("sla", v)} />
              </section>
              <section className="card" aria-labelledby="h-escalation">
                <h2 id="h-escalation">{t("escalation")}</h2>
                <EscalationForm escalation={doc.escalation} schema={schema} errors={errors} onChange={(v) => setDoc("escalation", v)} />
              </section>
            </Box>
          ) : (
            <section className="card">
              <CodeEditor value={text} onChange={updateText} label={t("document")} />
              {syntax && <Notice kind="error">{t("syntaxError")}: {syntax}</Notice>}
            </section>
          )}
        </div>
        <aside className="editor-side">
          <section className="card" aria-labelledby="h-validation" aria-live="polite">
            <h2 id="h-validation">{t("validation")}</h2>
            {draft?.policyWarnings?.length > 0 && (
              <>
                <Notice kind="warning">{t("warningsFound", { count: draft.policyWarnings.length })}</Notice>
                <ul className="warnings" data-testid="policy-warnings">
                  {draft.policyWarnings.map((w, i) => <li key={i}><code>{w.path}</code> {w.message}</li>)}
                </ul>
              </>
            )}
            {draft && (draft.valid ? <Notice>{t("valid")}</Notice> : (
              <>
                <Notice kind="error">{t("errorsFound", { count: errors.length })}</Notice>
                <ul className="errors" data-testid="policy-errors">{errors.map((e, i) => <li key={i}><code>{e.path}</code> {e.message}</li>)}</ul>
              </>
            ))}
          </section>
          <section className="card" aria-labelledby="h-preview">
            <h2 id="h-preview">{t("preview")}</h2>
            {draft?.texts.map((p) => (
              <details key={p.language} open={p === draft.texts[0]}>
                <summary>{p.language}</summary>
                <pre className="preview" data-testid={`preview-${p.language}`} lang={p.language.replace("_", "-")}>{p.text}</pre>
              </details>
            ))}
            <h3>{t("changes")}</h3>
            {draft?.changes?.length ? <ul data-testid="draft-changes">{draft.changes.map((c, i) => <li key={i}>{c}</li>)}</ul> : <p>{t("noChanges")}</p>}
          </section>
          <section className="card" aria-labelledby="h-sim">
            <h2 id="h-sim">{t("simulation")}</h2>
            <Button variant="secondary" onClick={simulate} disabled={!draft?.valid}>{t("testPast")}</Button>
            {simulation?.report && <pre className="preview" data-testid="simulation">{simulation.report.text}</pre>}
            {simulation && !simulation.report && <FieldError message={[...simulation.errors, ...simulation.policyErrors].map((e) => e.message).join(" ")} />}
          </section>
          <section className="card" aria-labelledby="h-publish">
            <h2 id="h-publish">{t("publish")}</h2>
            <Button onClick={() => publish(PUBLISH, { policy: text })} disabled={!draft?.valid} data-testid="publish">{t("publish")}</Button>
            {outcome && (outcome.errors.length || outcome.policyErrors.length ? (
              <FieldError message={[...outcome.errors, ...outcome.policyErrors].map((e) => (e.path ? `${e.path}: ` : "") + e.message).join(" ")} />
            ) : <Notice>{outcome.created ? t("published", { version: outcome.version.version }) : t("unchanged", { version: outcome.version.version })}</Notice>)}
            <h3>{t("versions")}</h3>
            <ol className="versions" data-testid="versions">
              {versions.map((v) => (
                <li key={v.version}>
                  <strong>v{v.version}</strong> {v.current && <em>({t("current")})</em>} · {new Date(v.createdAt).toLocaleString()} · {t("publishedBy", { who: v.createdBy || "—" })}
                  {v.changes.length > 0 && <ul>{v.changes.map((c, i) => <li key={i}>{c}</li>)}</ul>}
                  {!v.current && <Button variant="tertiary" size="small" onClick={() => publish(ROLLBACK, { version: v.version })}>{t("rollback")}</Button>}
                </li>
              ))}
            </ol>
          </section>
        </aside>
      </div>
    </Box>
  );
}
