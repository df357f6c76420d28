// The comma separated list control (defaults' languages, recipients): typing a comma never loses it.
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { ListTextInput } from "./forms";

afterEach(cleanup);

describe("ListTextInput", () => {
  it("keeps a typed comma while the list is written without it", () => {
    let latest;
    function Languages() {
      const [value, setValue] = useState(["en", "zh_Hans"]);
      latest = value;
      return <ListTextInput aria-label="languages" value={value} onChange={(v) => setValue(v || [])} />;
    }
    render(<Languages />);
    const input = screen.getByLabelText("languages");
    expect(input.value).toBe("en, zh_Hans");
    fireEvent.change(input, { target: { value: "en, zh_Hans," } });
    expect(input.value).toBe("en, zh_Hans,");
    expect(latest).toEqual(["en", "zh_Hans"]);
    fireEvent.change(input, { target: { value: "en, zh_Hans, de" } });
    expect(input.value).toBe("en, zh_Hans, de");
    expect(latest).toEqual(["en", "zh_Hans", "de"]);
  });
});
