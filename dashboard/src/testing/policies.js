// The project's policy files as the tests read them, and what both the model and the forms must make of the same
// calendar edits.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** The text of a file of the project, by its path from the repository root. */
export const projectText = (path) => readFileSync(resolve(root, path), "utf-8");

/** A policy file of the project, parsed. */
export const projectPolicy = (path) => YAML.parse(projectText(path));

/** The electronics example's calendar after a working Saturday, the first closing day removed and 2027-01-02
 * added, no public holidays, not following the official calendar and opening 09:00-18:00. */
export const EDITED_ELECTRONICS_CALENDAR = {
  working_days: ["mon", "tue", "wed", "thu", "fri", "sat"],
  holidays_country: null,
  subdivision: "BE",
  extra_holidays: ["2026-12-31", "2027-01-02"],
  working_hours: { start: "09:00", end: "18:00" },
  follow_official_calendar: false,
};
