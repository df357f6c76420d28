// The order page's "Create the case" form: the API names a refused line by its index in the lines it was sent
// ("lines.0", "lines.0.quantity", or "line..." for a repair's one line), not by the row on screen.

/** ``{rows: {lineId: message}, form: message}``: each error on the row of the line it is about, the rest on the form. */
export function startErrors(errors, sentLineIds, formFields = ["reason"]) {
  const rows = {};
  const form = [];
  const fields = {};
  const add = (target, key, message) => { target[key] = target[key] ? `${target[key]} ${message}` : message; };
  for (const error of errors || []) {
    const field = error.field || "";
    const many = /^lines\.(\d+)(\..*)?$/.exec(field);
    const one = /^line(\..*)?$/.exec(field);
    const lineId = many ? sentLineIds[Number(many[1])] : one ? sentLineIds[0] : undefined;
    if (lineId !== undefined) add(rows, lineId, error.message);
    else if (formFields.includes(field)) add(fields, field, error.message);
    else form.push(error.message);
  }
  return { rows, fields, form: form.join(" ") };
}
