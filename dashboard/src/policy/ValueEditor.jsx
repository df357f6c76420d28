// The value picker of a condition (react-querybuilder's valueEditor): what the operator's input type asks for, money
// (amount + currency) for the money variables, and the validator's problem of that condition under it.
import { useT } from "../i18n";
import { FieldError } from "../ui";
import { errorsAt } from "./errors";
import { MoneyInput } from "./forms";
import { conditionPath } from "./model";
import { isMoneyVariable } from "./money";

/**
 * ``context``: the builder's operators per field type, the validator's errors, the rule's index and query (for the
 * condition's document path), and the policy's currency and currencies (for money).
 */
export function ValueEditor(props) {
  const t = useT();
  const { operator, value, handleOnChange, fieldData, context, path } = props;
  const op = (context.operators[fieldData.fieldType] || []).find((o) => o.name === operator);
  const inputType = op?.inputType || "text";
  const errorPath = conditionPath(context.ruleIndex, context.query, path);
  const error = errorsAt(context.errors, errorPath + ".value") || errorsAt(context.errors, errorPath + ".operator") || errorsAt(context.errors, errorPath);
  const label = t("conditionValue", { field: fieldData.label });
  let control = null;
  if (inputType === "none") control = null;
  else if (inputType === "money" || (isMoneyVariable(fieldData) && inputType !== "select_multiple")) {
    return (
      <span className="value-editor">
        <MoneyInput id={`value-${context.ruleIndex}-${path.join("-")}`} label={label} value={value} onChange={handleOnChange}
          error={error} defaultCurrency={context.currency} currencies={context.currencies} />
      </span>
    );
  } else if (inputType === "numeric") {
    control = (
      <input type="number" aria-label={label} value={value ?? ""} step="any"
        onChange={(e) => handleOnChange(e.target.value === "" ? "" : Number(e.target.value))} />
    );
  } else if (inputType === "select_multiple") {
    const list = Array.isArray(value) ? value : value ? [value] : [];
    control = fieldData.choices.length ? (
      <select multiple aria-label={label} value={list} onChange={(e) => handleOnChange([...e.target.selectedOptions].map((o) => o.value))}>
        {fieldData.choices.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    ) : (
      <input aria-label={label} value={list.join(", ")} placeholder="a, b, c"
        onChange={(e) => handleOnChange(e.target.value.split(",").map((s) => s.trim()).filter(Boolean))} />
    );
  } else if (fieldData.choices.length) {
    control = (
      <select aria-label={label} value={value ?? ""} onChange={(e) => handleOnChange(e.target.value)}>
        <option value="" />
        {fieldData.choices.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    );
  } else {
    control = <input aria-label={label} value={value ?? ""} onChange={(e) => handleOnChange(e.target.value)} />;
  }
  return (
    <span className="value-editor">
      {control}
      {error && <FieldError message={error} />}
    </span>
  );
}
