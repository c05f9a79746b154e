// The editor's state: one plain object. The working copy of the guide (S.model) is what the server
// gets; every input names its place in it with data-path="materials.2.copies", so a 422 error's dotted
// `field` finds its input. Modules change S and call changed(); main.js renders the page from S.

export const S = {
  user: null,
  canPublish: false,
  list: [],
  guide: null,        // GET /api/editor/guides/{id}
  model: null,        // the working copy being edited
  kind: null,
  baseVersion: null,
  creating: false,
  dirty: false,
  errors: [],         // [{field, msg}] from a 422
  errorDetail: "",
  conflict: null,     // the 409 body, with .diff once known
  tab: "edit",
  result: null,       // {kind: "ok" | "error", text}
  saving: false,
  // What the editor is typing into number and list-of-words inputs, until the input is left: the
  // model holds the parsed value, the input keeps showing "1." or "烟、" while they are typed.
  raw: new Map(),
  // path → the name a step, question or option had before the editor started renaming it.
  renamedFrom: new Map()
};

let render = function () {};
export function onChange(fn) { render = fn; }
export function changed() { render(); }

export function splitPath(path) {
  return path === "" ? [] : String(path).split(".").map(function (p) { return /^\d+$/.test(p) ? Number(p) : p; });
}

export function getPath(obj, path) {
  var parts = splitPath(path);
  for (var i = 0; i < parts.length; i++) {
    if (obj === null || obj === undefined) return undefined;
    obj = obj[parts[i]];
  }
  return obj;
}

export function setPath(obj, path, value) {
  var parts = splitPath(path);
  var cur = obj;
  for (var i = 0; i < parts.length - 1; i++) {
    var p = parts[i];
    if (cur[p] === null || cur[p] === undefined || typeof cur[p] !== "object") {
      cur[p] = typeof parts[i + 1] === "number" ? [] : {};
    }
    cur = cur[p];
  }
  cur[parts[parts.length - 1]] = value;
}

export function clone(v) { return v === undefined ? undefined : JSON.parse(JSON.stringify(v)); }

export function guideTitle(data, kind) {
  if (!data) return "";
  return (kind || data.kind) === "faq" ? data.question : data.name;
}
