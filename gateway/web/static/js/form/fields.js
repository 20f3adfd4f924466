// Forms built from a service's `form_schema`: one control per catalogue field type (controls.js,
// regions.js, rows.js), grouped so a page can read, fill and check them together.

import { el } from "../lib.js";
import { inputControl } from "./controls.js";
import { regionControl, regionSelectControl } from "./regions.js";
import { rowsControl } from "./rows.js";

/**
 * Build the control for one catalogue field. A control is
 * {node, value(), setValue(v), validate(path) -> [[path, message]...], focus()}.
 * `ctx` = {vocabularies, documentTypes (the catalogue's, for corrections), values: () => current
 * form values (for conditional rules)}.
 */
export function makeControl(spec, ctx, pathOf) {
  switch (spec.type) {
    case "members":
    case "people":
    case "corrections":
      return rowsControl(spec, ctx, pathOf);
    case "region":
      return regionControl(spec, ctx, pathOf);
    case "region_select":
      return regionSelectControl(spec, ctx, pathOf);
    default:
      return inputControl(spec, ctx, pathOf);
  }
}

/**
 * A group of controls, e.g. the service form (prefix "form") or the applicant block.
 * Returns {node, controls, values(), validate() -> {path: [messages]}, setValues(values), ready}.
 */
export function buildFields(specs, { prefix, vocabularies = {}, documentTypes = {}, values = {} }) {
  const controls = [];
  const ctx = { vocabularies, documentTypes, values: () => group.values() };
  const node = el("div", { class: "fields" });
  for (const spec of specs) {
    const control = makeControl(spec, ctx, (name) => (prefix ? `${prefix}.${name}` : name));
    control.spec = spec;
    controls.push(control);
    node.append(control.node);
  }
  const group = {
    node,
    controls,
    values() {
      const out = {};
      for (const control of controls) {
        const value = control.value();
        if (value !== undefined) out[control.spec.name] = value;
      }
      return out;
    },
    setValues(given) {
      for (const control of controls) {
        if (given[control.spec.name] !== undefined) control.setValue(given[control.spec.name]);
      }
    },
    validate() {
      const errors = {};
      for (const control of controls) {
        for (const [path, message] of control.validate()) {
          errors[path] = [...(errors[path] || []), message];
        }
      }
      return errors;
    },
    get ready() {
      return Promise.all(controls.map((c) => c.ready).filter(Boolean));
    },
  };
  group.setValues(values);
  return group;
}
