// The guide schema as the server serves it (GET /api/editor/schema, built from the pydantic models in
// knowledge/schema/): titles, hints, examples, units, enums, limits, required fields, the values a new
// guide and a new list entry start with. The page keeps no copy of any of them.

import * as api from "./api.js";

let kinds = null;

export async function load() {
  kinds = (await api.schema()).kinds;
}

export function kindNames() { return Object.keys(kinds); }
export function kindTitle(kind) { return kinds[kind] ? kinds[kind].title : kind; }
export function newGuide(kind) { return JSON.parse(JSON.stringify(kinds[kind].blank)); }

// A field's schema with $ref followed and "X or null" unwrapped (nullable: true); the field's own
// title, description and default win over those of the definition it refers to.
function resolve(root, node) {
  while (node) {
    if (node.$ref) {
      var rest = Object.assign({}, node);
      delete rest.$ref;
      node = Object.assign({}, root.$defs[node.$ref.split("/").pop()], rest);
    } else if (node.anyOf && node.anyOf.some(function (n) { return n.type === "null"; })) {
      var others = node.anyOf.filter(function (n) { return n.type !== "null"; });
      var outer = Object.assign({}, node, { nullable: true });
      delete outer.anyOf;
      node = others.length === 1 ? Object.assign({}, others[0], outer) : Object.assign({ anyOf: others }, outer);
      if (others.length !== 1) return node;
    } else {
      return node;
    }
  }
  return node;
}

// The schema of the value at a dotted path ("materials.2.copies"); {} where the schema says nothing
// (the keys of a `when` condition).
export function nodeAt(kind, path) {
  var root = kinds[kind].schema;
  var node = root;
  String(path).split(".").filter(function (p) { return p !== ""; }).forEach(function (part) {
    node = resolve(root, node) || {};
    if (/^\d+$/.test(part)) node = node.items || {};
    else node = (node.properties && node.properties[part]) || {};
  });
  return resolve(root, node) || {};
}

function parentAndName(path) {
  var parts = String(path).split(".");
  var name = parts.pop();
  return { parent: parts.join("."), name: name };
}

export function title(kind, path) {
  var node = nodeAt(kind, path);
  return node.title || parentAndName(path).name;
}

// The label an input shows: the title, with the unit the number is counted in.
export function label(kind, path) {
  var node = nodeAt(kind, path);
  return title(kind, path) + (node.unit ? "（" + node.unit + "）" : "");
}

export function hint(kind, path) { return nodeAt(kind, path).description || ""; }

export function placeholder(kind, path) {
  var examples = nodeAt(kind, path).examples;
  return examples && examples.length && typeof examples[0] === "string" ? "如 " + examples[0] : "";
}

export function idPlaceholder(kind) {
  var examples = kinds[kind].schema.examples;
  return examples && examples.length ? "如 " + examples[0].id : "";
}

export function required(kind, path) {
  var p = parentAndName(path);
  if (/^\d+$/.test(p.name)) return false;
  var parent = nodeAt(kind, p.parent);
  return (parent.required || []).indexOf(p.name) >= 0;
}

// The choices of an enum field, or of each entry of a list of enum values.
export function choices(kind, path) {
  var node = nodeAt(kind, path);
  if (node.type === "array") node = resolve(kinds[kind].schema, node.items) || {};
  return node.enum || [];
}

export function limits(kind, path) {
  var node = nodeAt(kind, path);
  return { min: node.minimum, max: node.maximum };
}

// Where the model ties a field to a sibling's value: {"necessity": "容缺"} (knowledge/schema/item.py).
export function onlyFor(kind, path) { return nodeAt(kind, path).only_for || null; }
export function requiredWhen(kind, path) { return nodeAt(kind, path).required_when || null; }

export function siblingsMatch(model, path, cond, getPath) {
  var parent = parentAndName(path).parent;
  return Object.keys(cond).every(function (k) {
    return getPath(model, parent ? parent + "." + k : k) === cond[k];
  });
}

// A new entry for the list at `path`: a blank record from the server, or an empty line of text.
export function newEntry(kind, path) {
  var items = nodeAt(kind, path).items || {};
  if (items.$ref) {
    var name = items.$ref.split("/").pop();
    return JSON.parse(JSON.stringify(kinds[kind].entries[name]));
  }
  return "";
}

// The guide's lists of plain text lines (aliases, conditions …): empty lines are dropped before saving.
export function textLists(kind) {
  var props = kinds[kind].schema.properties;
  return Object.keys(props).filter(function (name) {
    var node = nodeAt(kind, name);
    return node.type === "array" && node.items && node.items.type === "string" && !node.items.enum;
  });
}

// "materials.2.deferral_days" → "申请材料 第 3 项 › 容缺补交期限"
export function pathLabel(kind, path) {
  var out = [];
  var parts = path === "" || path === undefined || path === null ? [] : String(path).split(".");
  parts.forEach(function (p, i) {
    if (/^\d+$/.test(p)) {
      var nth = "第 " + (Number(p) + 1) + " 项";
      if (out.length) out[out.length - 1] += " " + nth;
      else out.push(nth);
    } else {
      out.push(title(kind, parts.slice(0, i + 1).join(".")));
    }
  });
  return out.join(" › ") || "整份指南";
}
