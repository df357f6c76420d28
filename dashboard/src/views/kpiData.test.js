// The KPI page's numbers for every shape of the stats answer: an empty channel, cases without reasons, no refunds,
// and parts of the answer missing or null (the page must show numbers, never "Cannot convert undefined or null").
import { describe, expect, it } from "vitest";
import { breakdowns, hasMoney, headline, seriesPoint, truncate, period } from "./kpiData";

const noSla = { measured: 0, withinTarget: 0, shareWithinTarget: null, medianHours: null, p90Hours: null };

// What afterSalesStats answers for a channel without cases (the shape of services/reporting and services/stats).
const emptyChannel = {
  cases: 0,
  firstResponse: noSla,
  resolution: noSla,
  figures: {
    counts: { total: 0, by_kind: {}, by_status: {}, by_kind_and_status: {} },
    cases: 0,
    reasons: {},
    reason_labels: {},
    defects: {},
    return_rates: { products: {}, categories: {} },
    money: {},
    sla: { cases: 0, first_response: { measured: 0, within_target: 0, share_within_target: null } },
  },
};

describe("KPI numbers", () => {
  it("an empty channel: zero cases, no share, no times, empty charts", () => {
    expect(headline(emptyChannel)).toEqual({
      cases: 0,
      firstResponseShare: "—",
      firstResponseWithin: 0,
      firstResponseMeasured: 0,
      firstResponseMedian: null,
      firstResponseP90: null,
      resolutionMedian: "—",
      resolutionP90: null,
    });
    expect(seriesPoint("2026-11-01", emptyChannel)).toEqual({
      label: "2026-11-01", cases: 0, open: 0, overdue: 0, refunds: 0, storeCredit: 0, fees: 0, withinTarget: null,
    });
    expect(breakdowns(emptyChannel.figures)).toEqual({ reasons: [], products: [], categories: [] });
  });

  it("every part of the answer null or missing counts as nothing", () => {
    const nulls = {
      cases: null,
      firstResponse: null,
      resolution: null,
      figures: { counts: null, reasons: null, return_rates: null, money: null, sla: null },
    };
    for (const stats of [null, undefined, {}, nulls, { ...nulls, figures: null }]) {
      expect(headline(stats).cases).toBe(0);
      expect(headline(stats).firstResponseShare).toBe("—");
      expect(seriesPoint("x", stats)).toEqual({ label: "x", cases: 0, open: 0, overdue: 0, refunds: 0, storeCredit: 0, fees: 0, withinTarget: null });
      expect(breakdowns(stats?.figures)).toEqual({ reasons: [], products: [], categories: [] });
    }
    const holes = {
      counts: { by_kind_and_status: { return: null } },
      reasons: { return: null },
      return_rates: { products: { "HP-1": null }, categories: null },
      money: { EUR: null },
      sla: { first_response: null },
    };
    expect(seriesPoint("x", { cases: 1, figures: holes })).toMatchObject({ cases: 1, open: 0, overdue: 0, refunds: 0, fees: 0 });
    expect(breakdowns(holes)).toEqual({ reasons: [], products: [{ label: "HP-1", sold: 0, returned: 0, skus: ["HP-1"], rate: 0 }], categories: [] });
  });

  it("cases without reasons and without refunds", () => {
    const stats = {
      cases: 2,
      firstResponse: { measured: 2, withinTarget: 1, shareWithinTarget: 0.5, medianHours: 3.25, p90Hours: 20 },
      resolution: noSla,
      figures: {
        counts: { by_kind_and_status: { return: { requested: 1, resolved: 1 } } },
        reasons: { return: { "": 2 } },
        reason_labels: {},
        return_rates: { products: { "HP-1": { name: "Headphones", sold: 4, returned: 1, rate: "0.2500" } }, categories: { audio: { rate: "0.2500" } } },
        money: {},
        sla: { first_response: { measured: 2, within_target: 1 } },
      },
    };
    expect(headline(stats)).toMatchObject({ cases: 2, firstResponseShare: "50 %", firstResponseWithin: 1, firstResponseMeasured: 2, resolutionMedian: "—" });
    expect(seriesPoint("d", stats)).toEqual({ label: "d", cases: 2, open: 1, overdue: 1, refunds: 0, storeCredit: 0, fees: 0, withinTarget: 50 });
    expect(breakdowns(stats.figures)).toEqual({
      reasons: [{ label: "return: —", count: 2 }],
      products: [{ label: "Headphones", sold: 4, returned: 1, skus: ["HP-1"], rate: 25 }],
      categories: [{ label: "audio", rate: 25 }],
    });
  });

  it("refunds and fees add up over currencies; reasons show the catalogue's labels", () => {
    const figures = {
      money: { EUR: { refunds: "249.00", fees: "4.95", store_credit: "0.00", cases: 1 }, USD: { refunds: "10.50", fees: "0.00" } },
      reasons: { return: { defective: 1 } },
      reason_labels: { defective: "Defective" },
    };
    expect(seriesPoint("d", { cases: 1, figures })).toMatchObject({ refunds: 259.5, fees: 4.95 });
    expect(breakdowns(figures).reasons).toEqual([{ label: "return: Defective", count: 1 }]);
  });

  it("store credit is money out too: a period with only store credit has money to plot", () => {
    const figures = { money: { USD: { refunds: "0.00", store_credit: "40.00", fees: "0.00", cases: 1 } } };
    const point = seriesPoint("d", { cases: 1, figures });
    expect(point).toMatchObject({ refunds: 0, storeCredit: 40, fees: 0 });
    expect(hasMoney([seriesPoint("c", { cases: 0, figures: { money: {} } }), point])).toBe(true);
    expect(hasMoney([seriesPoint("c", { cases: 0, figures: { money: {} } })])).toBe(false);
  });

  it("the variants of one product make one bar under the product's name, highest rate first", () => {
    const products = {
      "TEE-M": { name: "Monospace Tee", sold: 3, returned: 1, rate: "0.3333" },
      "TEE-XXL": { name: "Monospace Tee", sold: 1, returned: 1, rate: "1.0000" },
      "MUG-1": { name: "Saleor Mug", sold: 10, returned: 1, rate: "0.1000" },
      "NO-NAME": { name: "", sold: 2, returned: 0, rate: "0.0000" },
    };
    expect(breakdowns({ return_rates: { products } }).products).toEqual([
      { label: "Monospace Tee", sold: 4, returned: 2, skus: ["TEE-M", "TEE-XXL"], rate: 50 },
      { label: "Saleor Mug", sold: 10, returned: 1, skus: ["MUG-1"], rate: 10 },
      { label: "NO-NAME", sold: 2, returned: 0, skus: ["NO-NAME"], rate: 0 },
    ]);
  });

  it("long labels are cut with an ellipsis, short ones kept", () => {
    expect(truncate("Apple Juice", 24)).toBe("Apple Juice");
    expect(truncate("A very long product name that goes on", 12)).toBe("A very long…");
    expect(truncate("A very long product name that goes on", 12)).toHaveLength(12);
  });

  it("reasons read in the reader's language when the app has the labels, the kind in words", () => {
    const figures = { reasons: { return: { defective: 2 } }, reason_labels: { defective: "Faulty or does not work" } };
    expect(breakdowns(figures, { defective: "商品存在质量问题" }, (kind) => (kind === "return" ? "退货" : kind)).reasons)
      .toEqual([{ label: "退货: 商品存在质量问题", count: 2 }]);
  });
});

describe("period", () => {
  it("includes the whole To day: it ends at the start of the next day (UTC)", () => {
    const { start, end } = period("2026-11-01", "2026-12-01");
    expect(start.toISOString()).toBe("2026-11-01T00:00:00.000Z");
    expect(end.toISOString()).toBe("2026-12-02T00:00:00.000Z");
    expect(period("2026-12-01", "2026-12-01").end - period("2026-12-01", "2026-12-01").start).toBe(86400000);
  });
});
