import { describe, expect, it } from "vitest";
import { startErrors } from "./startErrors";

describe("startErrors", () => {
  it("puts a refused line's error on the row of the line that was sent at that index", () => {
    const sent = ["line-xxl"]; // only the row with a quantity was sent: index 0 is the XXL row, not the first row
    const errors = [{ field: "lines.0", message: "Monospace Tee cannot be returned: Units already in an open case." }];
    expect(startErrors(errors, sent)).toEqual({
      rows: { "line-xxl": "Monospace Tee cannot be returned: Units already in an open case." }, fields: {}, form: "",
    });
  });
  it("reads sub-fields and a repair's one line, joins several errors of a row", () => {
    const errors = [
      { field: "lines.1.quantity", message: "Too many." },
      { field: "lines.1", message: "Not eligible." },
      { field: "line.quantity", message: "No." },
    ];
    expect(startErrors(errors, ["a", "b"]).rows).toEqual({ a: "No.", b: "Too many. Not eligible." });
  });
  it("keeps field errors on their field and says every other error on the whole form", () => {
    const errors = [
      { field: "reason", message: "Give a reason." },
      { field: "lines", message: "Choose at least one line." },
      { field: "lines.7", message: "Out of range." },
      { field: null, message: "Something else." },
    ];
    expect(startErrors(errors, ["a"])).toEqual({
      rows: {}, fields: { reason: "Give a reason." }, form: "Choose at least one line. Out of range. Something else.",
    });
  });
});
