// The validator's problems ({path, code, message}, paths like "$.sla.return.first_response.hours") on the controls.

/** The messages of the problems exactly at ``path``. */
export const errorsAt = (errors, path) => errors.filter((e) => e.path === path).map((e) => e.message).join(" ");

/** The problems at ``path`` or anywhere below it. */
export const errorsUnder = (errors, path) =>
  errors.filter((e) => e.path === path || e.path.startsWith(path + ".") || e.path.startsWith(path + "["));
