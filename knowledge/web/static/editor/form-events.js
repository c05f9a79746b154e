// Typing, ticking and the row buttons of the guide form: each input names its place in S.model with
// data-path and how to read it with data-type; the model changes, then the page re-renders from it.

import { S, changed, getPath, setPath } from "./state.js";
import * as schema from "./schema.js";

// Renaming a step, a question or an option is carried into the places that point at it.
var RENAMES = /^(steps\.\d+\.id|questions\.\d+\.id|questions\.\d+\.options\.\d+\.value)$/;
var TYPED_RAW = ["csv", "int", "optint", "optnum"];

function readValue(el) {
  var type = el.getAttribute("data-type");
  var v = el.value;
  switch (type) {
    case "bool": return el.checked;
    case "int": case "optint":
      if (v.trim() === "") return null;
      var n = Number(v);
      return Number.isFinite(n) ? Math.trunc(n) : null;
    case "optnum":
      if (v.trim() === "") return null;
      return Number.isFinite(Number(v)) ? Number(v) : null;
    case "opt": return v.trim() === "" ? null : v;
    case "csv": return v.split(/[,，、;；\n]+/).map(function (s) { return s.trim(); }).filter(Boolean);
    default: return v;
  }
}

function cssEscape(s) { return CSS.escape(String(s)); }

// Table cells are narrow: their text boxes grow with the text instead of hiding it behind a scrollbar.
export function fitHeight(area) {
  area.style.height = "auto";
  area.style.height = Math.min(area.scrollHeight + 2, 200) + "px";
}

export function onFieldEvent(e) {
  var el = e.target;
  var form = e.currentTarget;
  var path = el.getAttribute("data-path");
  var type = el.getAttribute("data-type");
  if (path === null || type === null || !S.model) return;
  if (el.tagName === "TEXTAREA" && el.closest("table")) fitHeight(el);
  if (e.type === "input" && el.validity && el.validity.badInput) return; // "1." on its way to "1.5"
  if (type === "set") {
    var chosen = [];
    form.querySelectorAll('input[data-type="set"][data-path="' + cssEscape(path) + '"]').forEach(function (b) {
      if (b.checked) chosen.push(b.getAttribute("data-value"));
    });
    setPath(S.model, path, chosen);
  } else if (type === "when-v") {
    var key = el.getAttribute("data-key");
    var picked = [];
    form.querySelectorAll('input[data-type="when-v"][data-path="' + cssEscape(path) + '"][data-key="' + cssEscape(key) + '"]')
      .forEach(function (b) { if (b.checked) picked.push(b.getAttribute("data-value")); });
    var cond = getPath(S.model, path) || {};
    cond[key] = picked.length === 1 ? picked[0] : picked;
    setPath(S.model, path, cond);
  } else if (type === "when-q") {
    if (e.type !== "change") return;
    renameCondition(path, el.getAttribute("data-key"), el.value);
  } else {
    if (RENAMES.test(path) && !S.renamedFrom.has(path)) S.renamedFrom.set(path, getPath(S.model, path));
    var value = readValue(el);
    setPath(S.model, path, value);
    if (TYPED_RAW.indexOf(type) >= 0) {
      if (e.type === "input") S.raw.set(path, el.value);
      else S.raw.delete(path);
    }
    if (e.type === "change") {
      resetUnneeded(path, value);
      if (S.renamedFrom.has(path)) {
        renameReferences(path, S.renamedFrom.get(path), String(value || "").trim());
        S.renamedFrom.delete(path);
      }
    }
  }
  S.dirty = true;
  changed({ typing: e.type === "input" });
}

// A field kept only while a sibling has a given value (a 容缺 material's hand-in deadline) goes back
// to its default when the sibling changes: the schema refuses it anywhere else.
function resetUnneeded(path, value) {
  var parts = path.split(".");
  var name = parts.pop();
  var parent = parts.join(".");
  var props = schema.nodeAt(S.kind, parent).properties || {};
  Object.keys(props).forEach(function (sibling) {
    var siblingPath = parent ? parent + "." + sibling : sibling;
    var only = schema.onlyFor(S.kind, siblingPath);
    if (only && name in only && only[name] !== value) {
      var fallback = schema.nodeAt(S.kind, siblingPath).default;
      setPath(S.model, siblingPath, fallback === undefined ? null : fallback);
    }
  });
}

// depends_on and `when` conditions name steps, questions and options; a rename must not leave them dangling.
function renameReferences(path, oldName, newName) {
  if (S.kind !== "route" || !oldName || !newName || oldName === newName) return;
  var steps = S.model.steps || [], questions = S.model.questions || [];
  var conditions = steps.concat(questions).filter(function (x) { return x.when; });
  var m;
  if (/^steps\.\d+\.id$/.test(path)) {
    steps.forEach(function (st) {
      st.depends_on = (st.depends_on || []).map(function (d) { return d === oldName ? newName : d; });
    });
  } else if (/^questions\.\d+\.id$/.test(path)) {
    conditions.forEach(function (x) {
      if (!(oldName in x.when)) return;
      var next = {};
      Object.keys(x.when).forEach(function (k) { next[k === oldName ? newName : k] = x.when[k]; });
      x.when = next;
    });
  } else if ((m = /^questions\.(\d+)\.options\.\d+\.value$/.exec(path))) {
    var qid = questions[Number(m[1])] && questions[Number(m[1])].id;
    conditions.forEach(function (x) {
      if (!qid || !(qid in x.when)) return;
      var v = x.when[qid];
      x.when[qid] = Array.isArray(v) ? v.map(function (a) { return a === oldName ? newName : a; }) : v === oldName ? newName : v;
    });
  }
}

function renameCondition(path, oldKey, newKey) {
  var cond = getPath(S.model, path) || {};
  var q = (S.model.questions || []).filter(function (qq) { return qq.id === newKey; })[0];
  var next = {};
  Object.keys(cond).forEach(function (k) {
    if (k === oldKey) next[newKey] = q && q.options.length ? q.options[0].value : "";
    else if (k !== newKey) next[k] = cond[k];
  });
  setPath(S.model, path, next);
}

// The row buttons: add, move, remove; add and remove a `when` condition. Returns false when the
// click was not one of them.
export function onFormClick(e, form, hooks) {
  var btn = e.target.closest("button[data-act]");
  if (!btn || !S.model) return;
  var act = btn.getAttribute("data-act");
  var listPath = btn.getAttribute("data-list");
  var list = listPath ? getPath(S.model, listPath) : null;
  if (listPath && !Array.isArray(list)) { list = []; setPath(S.model, listPath, list); }
  var i = Number(btn.getAttribute("data-index"));
  var focusPath = null;
  if (act === "add") {
    list.push(schema.newEntry(S.kind, listPath));
    focusPath = listPath + "." + (list.length - 1);
  } else if (act === "remove") {
    list.splice(i, 1);
  } else if (act === "up" && i > 0) {
    list.splice(i - 1, 0, list.splice(i, 1)[0]);
  } else if (act === "down" && i < list.length - 1) {
    list.splice(i + 1, 0, list.splice(i, 1)[0]);
  } else if (act === "when-add") {
    var path = btn.getAttribute("data-path");
    var cond = getPath(S.model, path) || {};
    var except = btn.getAttribute("data-except");
    var q = (S.model.questions || []).filter(function (qq) { return qq.id && qq.id !== except && !(qq.id in cond); })[0];
    if (!q) { window.Staff.toast("所有情形问题都已用在条件里了", "error"); return; }
    cond[q.id] = q.options && q.options.length ? q.options[0].value : "";
    setPath(S.model, path, cond);
  } else if (act === "when-remove") {
    var wpath = btn.getAttribute("data-path");
    var wcond = getPath(S.model, wpath) || {};
    delete wcond[btn.getAttribute("data-key")];
    setPath(S.model, wpath, Object.keys(wcond).length ? wcond : null);
  } else {
    return;
  }
  // Row indexes shift: typed text, renames and messages tied to old paths would point at the wrong rows.
  S.raw.clear();
  S.renamedFrom.clear();
  if (act !== "when-add" && act !== "when-remove") hooks.clearErrors();
  S.dirty = true;
  changed();
  if (focusPath) {
    var el = form.querySelector('[data-path^="' + cssEscape(focusPath) + '"]');
    if (el) { el.focus(); el.scrollIntoView({ block: "center" }); }
  }
}

// Empty lines of the guide's text lists are noise, not content: they are dropped before saving.
export function dropEmptyLines() {
  schema.textLists(S.kind).forEach(function (name) {
    if (Array.isArray(S.model[name])) {
      S.model[name] = S.model[name].filter(function (s) { return String(s).trim() !== ""; });
    }
  });
}
