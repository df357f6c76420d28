// The validator's problems ({path, code, message}, paths like "$.sla.return.first_response.hours") on the controls.

/** The messages of the problems exactly at ``path``. */
export const errorsAt = (errors, path) => errors.filter((e) => e.path === path).map((e) => e.message).join(" ");

/** The problems at ``path`` or anywhere below it. */
export const errorsUnder = (errors, path) =>
  errors.filter((e) => e.path === path || e.path.startsWith(path + ".") || e.path.startsWith(path + "["));

/**
 * The messages for an action parameter's control: the problems at the parameter or anywhere below it (money's
 * ``amount.amount`` / ``amount.EUR``, an object's parts), else those of the parameters as a whole.
 */
export function paramErrors(errors, actionPath, name) {
  const own = errorsUnder(errors, `${actionPath}.params.${name}`).map((e) => e.message).join(" ");
  return own || errorsAt(errors, `${actionPath}.params`);
}
