import { useCallback, useEffect, useRef, useState } from "react";
import { Input } from "@saleor/macaw-ui";
import { gql, errorsByField } from "../api";
import { useT } from "../i18n";
import { CASE_FIELDS } from "../queries";
import { reasonLabel, useReasonLabels } from "../reasons";
import { Box, Button, Notice, Select, SlaBadge, Text } from "../ui";

export const KINDS = ["RETURN", "EXCHANGE", "REPAIR", "COMPLAINT"];
export const STATUSES = [
  "REQUESTED", "APPROVED", "DECLINED", "CANCELLED", "AWAITING_RETURN", "RECEIVED", "INSPECTED", "RESOLVED",
  "RESOLUTION_FAILED", "CLOSED", "DIAGNOSING", "QUOTED", "QUOTE_ACCEPTED", "QUOTE_DECLINED", "REPAIRING",
  "SHIPPED_BACK", "OPEN", "RESPONDED",
];
const PAGE = 20;
const SORTS = {
  newest: { field: "CREATED_AT", direction: "DESC" },
  oldest: { field: "CREATED_AT", direction: "ASC" },
  resolutionDue: { field: "RESOLUTION_DUE", direction: "ASC" },
  responseDue: { field: "FIRST_RESPONSE_DUE", direction: "ASC" },
};

const LIST = `query($filter: AfterSalesCaseFilterInput, $sortBy: AfterSalesCaseSortingInput, $first: Int, $after: String) {
  afterSalesCases(filter: $filter, sortBy: $sortBy, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { ${CASE_FIELDS} } }
  }
}`;

export function Queue({ channels, channel, setChannel, navigate }) {
  const t = useT();
  const reasonLabels = useReasonLabels(channel);
  const [filters, setFilters] = useState({ kind: "", status: "", overdue: "", assignee: "", reason: "", search: "" });
  const [sort, setSort] = useState("newest");
  const [cursors, setCursors] = useState([null]);
  const [data, setData] = useState(null);
  const [error, setError] = useState("");
  const [selected, setSelected] = useState([]);
  const [message, setMessage] = useState("");

  const latest = useRef(0);

  const load = useCallback(async () => {
    // Only the newest request may fill the list: an older answer arriving late (typing in search) is dropped.
    const request = ++latest.current;
    const filter = {};
    if (filters.kind) filter.kind = filters.kind;
    if (filters.status) filter.status = [filters.status];
    if (filters.overdue) filter.overdue = filters.overdue === "yes";
    if (filters.assignee) filter.assignee = filters.assignee;
    if (filters.reason) filter.reason = filters.reason;
    if (filters.search) filter.search = filters.search;
    try {
      const result = await gql(channel, LIST, {
        filter, sortBy: SORTS[sort], first: PAGE, after: cursors[cursors.length - 1],
      });
      if (request !== latest.current) return;
      setData(result.afterSalesCases);
      setError("");
    } catch (e) {
      if (request === latest.current) setError(e.message);
    }
  }, [channel, filters, sort, cursors]);

  useEffect(() => { load(); }, [load]);
  useEffect(() => { setCursors([null]); setSelected([]); }, [channel, filters, sort]);
  // A selection is of the cases on the page: paging clears it too (bulk actions never act on cases out of sight).
  useEffect(() => { setSelected([]); }, [cursors]);

  const set = (name) => (value) => setFilters((f) => ({ ...f, [name]: value }));
  const nodes = data ? data.edges.map((e) => e.node) : [];
  const approvable = nodes.filter((n) => n.allowedNextStatuses.includes("APPROVED") || n.allowedNextStatuses.includes("AWAITING_RETURN"));

  async function bulkApprove() {
    let ok = 0;
    let failed = 0;
    const problems = [];
    for (const id of selected) {
      const result = await gql(channel, `mutation($id: ID!) { caseApprove(id: $id) { errors { field code message } case { id } } }`, { id });
      if (result.caseApprove.errors.length) {
        failed += 1;
        problems.push(errorsByField(result.caseApprove.errors)._ || result.caseApprove.errors[0].message);
      } else ok += 1;
    }
    setMessage(`${t("bulkApproved", { ok, failed })}${problems.length ? " — " + problems.join(" ") : ""}`);
    setSelected([]);
    load();
  }

  return (
    <Box display="flex" flexDirection="column" gap={4}>
      <Box as="form" role="search" display="flex" gap={3} flexWrap="wrap" alignItems="flex-end" onSubmit={(e) => e.preventDefault()}>
        <Select id="f-channel" label={t("channel")} value={channel} onChange={setChannel}
          options={channels.map((c) => ({ value: c, label: c }))} />
        <Select id="f-kind" label={t("kind")} value={filters.kind} onChange={set("kind")}
          options={[{ value: "", label: t("any") }, ...KINDS.map((k) => ({ value: k, label: k }))]} />
        <Select id="f-status" label={t("status")} value={filters.status} onChange={set("status")}
          options={[{ value: "", label: t("any") }, ...STATUSES.map((k) => ({ value: k, label: k }))]} />
        <Select id="f-overdue" label={t("overdue")} value={filters.overdue} onChange={set("overdue")}
          options={[{ value: "", label: t("any") }, { value: "yes", label: t("yes") }, { value: "no", label: t("no") }]} />
        <Input label={t("assignee")} value={filters.assignee} onChange={(e) => set("assignee")(e.target.value)} size="small" />
        <Select id="f-reason" label={t("reason")} value={filters.reason} onChange={set("reason")}
          options={[{ value: "", label: t("any") }, ...Object.entries(reasonLabels).map(([code, label]) => ({ value: code, label }))]} />
        <Input label={t("search")} placeholder={t("searchPlaceholder")} value={filters.search}
          onChange={(e) => set("search")(e.target.value)} size="small" data-testid="queue-search" />
        <Select id="f-sort" label={t("sortBy")} value={sort} onChange={setSort}
          options={[
            { value: "newest", label: t("newestFirst") }, { value: "oldest", label: t("oldestFirst") },
            { value: "resolutionDue", label: t("dueSoonest") }, { value: "responseDue", label: t("responseDueSoonest") },
          ]} />
      </Box>
      {error && <Notice kind="error">{error}</Notice>}
      {message && <Notice>{message}</Notice>}
      <Box display="flex" gap={3} alignItems="center">
        <Button variant="secondary" disabled={!selected.length} onClick={bulkApprove}>
          {t("bulkApprove", { count: selected.length })}
        </Button>
        {data && <Text size={2}>{t("pageOf", { count: data.totalCount })}</Text>}
      </Box>
      <table className="grid" aria-label={t("navQueue")}>
        <thead>
          <tr>
            <th scope="col">
              <input type="checkbox" aria-label={t("selectAll")}
                checked={approvable.length > 0 && approvable.every((n) => selected.includes(n.id))}
                onChange={(e) => setSelected(e.target.checked ? approvable.map((n) => n.id) : [])} />
            </th>
            <th scope="col">{t("number")}</th>
            <th scope="col">{t("kind")}</th>
            <th scope="col">{t("status")}</th>
            <th scope="col">{t("order")}</th>
            <th scope="col">{t("customer")}</th>
            <th scope="col">{t("reason")}</th>
            <th scope="col">{t("assignee")}</th>
            <th scope="col">{t("sla")}</th>
            <th scope="col">{t("created")}</th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((node) => (
            <tr key={node.id} data-testid="queue-row">
              <td>
                <input type="checkbox" aria-label={t("selectCase", { number: node.number })}
                  disabled={!approvable.includes(node)}
                  checked={selected.includes(node.id)}
                  onChange={(e) => setSelected((s) => (e.target.checked ? [...s, node.id] : s.filter((x) => x !== node.id)))} />
              </td>
              <td>
                <a href={`case/${encodeURIComponent(node.id)}`} onClick={(e) => { e.preventDefault(); navigate(`case/${node.id}`); }}>
                  #{node.number}
                </a>
              </td>
              <td>{node.kind}</td>
              <td>{node.status}</td>
              <td>{node.orderNumber || node.orderId}</td>
              <td>{node.customerEmail}</td>
              <td data-testid="queue-reason" title={node.reason || undefined}>{reasonLabel(reasonLabels, node.reason)}</td>
              <td>{node.assignee || "—"}</td>
              <td><SlaBadge deadlines={node.deadlines} /></td>
              <td>{new Date(node.createdAt).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && !nodes.length && <Text>{t("noCases")}</Text>}
      <Box display="flex" gap={2}>
        <Button variant="secondary" disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>{t("previous")}</Button>
        <Button variant="secondary" disabled={!data?.pageInfo.hasNextPage}
          onClick={() => setCursors((c) => [...c, data.pageInfo.endCursor])}>{t("next")}</Button>
      </Box>
    </Box>
  );
}
