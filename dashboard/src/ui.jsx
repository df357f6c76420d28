import { Box, Button, Text } from "@saleor/macaw-ui";
import { useT } from "./i18n";

// Small shared pieces: a labelled native select, a field error, an SLA badge, money.
export function Select({ label, value, onChange, options, id, error }) {
  return (
    <Box display="flex" flexDirection="column" gap={1}>
      <label htmlFor={id}>
        <Text size={2}>{label}</Text>
      </label>
      <select
        id={id}
        value={value ?? ""}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        style={{ padding: "6px", borderRadius: 4, minWidth: 120 }}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldError id={`${id}-error`} message={error} />
    </Box>
  );
}

export function FieldError({ id, message }) {
  if (!message) return null;
  return (
    <Text id={id} role="alert" size={2} color="critical1" data-testid="field-error">
      {message}
    </Text>
  );
}

export function money(value) {
  if (!value) return "—";
  return `${value.amount} ${value.currency}`;
}

function duration(ms) {
  const minutes = Math.round(Math.abs(ms) / 60000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} d`;
}

export function SlaBadge({ deadlines }) {
  const t = useT();
  if (!deadlines) return null;
  const pending = !deadlines.firstRespondedAt && deadlines.firstResponseDue
    ? deadlines.firstResponseDue
    : !deadlines.resolvedAt
      ? deadlines.resolutionDue
      : null;
  if (!pending) return <span className="badge badge-ok">{t("met")}</span>;
  const left = new Date(pending).getTime() - Date.now();
  return left < 0 ? (
    <span className="badge badge-overdue">{t("overdueBy", { time: duration(left) })}</span>
  ) : (
    <span className="badge badge-due">{t("dueIn", { time: duration(left) })}</span>
  );
}

export function Notice({ kind = "info", children }) {
  return (
    <div role={kind === "error" ? "alert" : "status"} className={`notice notice-${kind}`}>
      {children}
    </div>
  );
}

export { Box, Button, Text };
