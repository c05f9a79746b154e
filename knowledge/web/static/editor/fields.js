// Form controls built from the served schema: the label, hint, placeholder, unit, choices, limits and
// required mark of every input come from the pydantic models (schema.js); the layouts in
// guide-forms.js only say which field goes where. Rendered with lit-html, which updates the inputs
// in place, so the one being typed in keeps its focus and caret whatever is re-rendered around it.

import { html, nothing } from "../vendor/lit-html.js";
import { S, getPath } from "./state.js";
import * as schema from "./schema.js";

// ---------------------------------------------------------------- error messages (422)

// Each message goes to the deepest part of the form that has a place for its field ("materials.2"
// when the row has no input for "materials.2.when"). Which places exist is only known once the form
// is built, so with errors to show the form is built twice: once to list them, once to render.
let placed = new Map();
let collecting = null;

export function withErrors(build) {
  placed = new Map();
  if (S.errors.length) {
    collecting = new Set();
    build();
    var places = collecting;
    collecting = null;
    S.errors.forEach(function (err) {
      var parts = String(err.field || "").split(".");
      while (parts.length) {
        var path = parts.join(".");
        if (places.has(path)) {
          if (!placed.has(path)) placed.set(path, []);
          placed.get(path).push(err.msg);
          return;
        }
        parts.pop();
      }
    });
  }
  return build();
}

export function slot(path) {
  if (collecting) collecting.add(path);
  var messages = placed.get(path) || [];
  return html`<div class="field-error" data-error-for=${path}>${messages.map(function (m) { return html`<div>${m}</div>`; })}</div>`;
}

// " has-error" on the part of the form a message was placed in.
export function errClass(path) { return placed.has(path) ? " has-error" : ""; }
function inputClass(path) {
  return S.errors.some(function (e) { return (e.field || "") === path; }) ? "has-error" : "";
}

// ---------------------------------------------------------------- values

export function fid(path) { return "f-" + String(path).replace(/[^A-Za-z0-9_-]/g, "-"); }

function val(path) {
  if (S.raw.has(path)) return S.raw.get(path);
  var v = getPath(S.model, path);
  if (Array.isArray(v)) return v.join("、");
  return v === null || v === undefined ? "" : String(v);
}

// How form-events.js reads the input back into the model.
function dataType(path) {
  var node = schema.nodeAt(S.kind, path);
  if (node.type === "boolean") return "bool";
  if (node.type === "integer") return node.nullable ? "optint" : "int";
  if (node.type === "number") return "optnum";
  if (node.type === "array") return "csv";
  return node.nullable ? "opt" : "text";
}

// ---------------------------------------------------------------- controls (no label)

export function textControl(path, o) {
  o = o || {};
  var type = dataType(path);
  var ph = o.placeholder !== undefined ? o.placeholder : schema.placeholder(S.kind, path);
  if (o.area) {
    return html`<textarea rows=${o.rows || 3} id=${o.id || fid(path)} data-path=${path} data-type=${type}
      aria-label=${o.aria || nothing} placeholder=${ph || nothing} data-testid=${o.testid || nothing}
      class=${inputClass(path)} ?disabled=${!!o.disabled} .value=${val(path)}></textarea>`;
  }
  return html`<input type="text" id=${o.id || fid(path)} data-path=${path} data-type=${type}
    aria-label=${o.aria || nothing} placeholder=${ph || nothing} data-testid=${o.testid || nothing}
    list=${o.list || nothing} class=${inputClass(path)} ?disabled=${!!o.disabled} .value=${val(path)}>`;
}

export function numberControl(path, o) {
  o = o || {};
  var type = dataType(path);
  var decimal = type === "optnum";
  var lim = schema.limits(S.kind, path);
  return html`<input type="number" inputmode=${decimal ? "decimal" : "numeric"} step=${decimal ? "any" : "1"}
    min=${lim.min === undefined ? nothing : lim.min} max=${lim.max === undefined ? nothing : lim.max}
    id=${o.id || fid(path)} data-path=${path} data-type=${type} aria-label=${o.aria || nothing}
    data-testid=${o.testid || nothing} class=${inputClass(path)} ?disabled=${!!o.disabled} .value=${val(path)}>`;
}

export function selectControl(path, o) {
  o = o || {};
  var options = schema.choices(S.kind, path);
  var current = val(path);
  var optional = schema.nodeAt(S.kind, path).nullable;
  return html`<select id=${o.id || fid(path)} data-path=${path} data-type=${optional ? "opt" : "text"}
      aria-label=${o.aria || nothing} data-testid=${o.testid || nothing} class=${inputClass(path)}>
    ${optional ? html`<option value="" .selected=${current === ""}>（不填）</option>` : nothing}
    ${current !== "" && options.indexOf(current) < 0
      ? html`<option .value=${current} .selected=${true}>${current}（不在可选范围内）</option>` : nothing}
    ${options.map(function (v) { return html`<option .value=${v} .selected=${v === current}>${v}</option>`; })}
  </select>`;
}

export function checkControl(path, o) {
  o = o || {};
  return html`<input type="checkbox" id=${o.id || fid(path)} data-path=${path} data-type="bool"
    aria-label=${o.aria || nothing} data-testid=${o.testid || nothing} class=${inputClass(path)}
    .checked=${!!getPath(S.model, path)}>`;
}

// Whichever control the schema calls for.
export function control(path, o) {
  var node = schema.nodeAt(S.kind, path);
  if (node.enum) return selectControl(path, o);
  if (node.type === "integer" || node.type === "number") return numberControl(path, o);
  if (node.type === "boolean") return checkControl(path, o);
  return textControl(path, o);
}

// ---------------------------------------------------------------- fields (label, control, hint, messages)

function requiredMark(path, o) {
  var req = o.required !== undefined ? o.required : schema.required(S.kind, path);
  return req ? html` <span class="req" aria-hidden="true">*</span>` : nothing;
}

function hintOf(path, o) {
  var h = o.hint !== undefined ? o.hint : schema.hint(S.kind, path);
  return h ? html`<span class="hint">${h}</span>` : nothing;
}

function wrap(path, o, body) {
  var label = o.label || schema.label(S.kind, path);
  return html`<div class="field${o.cls ? " " + o.cls : ""}${errClass(path)}" data-field=${path} data-label=${label}>
    ${body(label)}${hintOf(path, o)}${slot(path)}</div>`;
}

// One field of the guide, drawn the way its schema asks: text, number, choice, yes/no, a set of
// choices, lines of text, or words separated by 、 (o.words).
export function field(path, o) {
  o = o || {};
  var node = schema.nodeAt(S.kind, path);
  if (node.type === "array") {
    if (node.items && node.items.$ref && schema.choices(S.kind, path).length) return setField(path, o);
    if (o.words) return wordsField(path, o);
    return lines(path, o);
  }
  if (node.type === "boolean") {
    return wrap(path, o, function (label) {
      return html`<label class="check">${checkControl(path, o)} ${label}</label>`;
    });
  }
  return wrap(path, o, function (label) {
    return html`<label for=${o.id || fid(path)}>${label}${requiredMark(path, o)}</label>${control(path, o)}`;
  });
}

// A set of choices stored as a list: audience, channels, delivery.
function setField(path, o) {
  var label = o.label || schema.label(S.kind, path);
  var chosen = getPath(S.model, path) || [];
  return html`<div class="field${o.cls ? " " + o.cls : ""}${errClass(path)}" data-field=${path} data-label=${label}
      role="group" aria-label=${label}>
    <span class="label">${label}${requiredMark(path, o)}</span>
    <div class="checks">${schema.choices(S.kind, path).map(function (v) {
      return html`<label class="check"><input type="checkbox" data-path=${path} data-type="set" data-value=${v}
        .checked=${chosen.indexOf(v) >= 0}> ${v}</label>`;
    })}</div>${hintOf(path, o)}${slot(path)}</div>`;
}

// Words typed on one line, separated by 、 or commas (keywords, related guides).
function wordsField(path, o) {
  return wrap(path, o, function (label) {
    return html`<label for=${o.id || fid(path)}>${label}${requiredMark(path, o)}</label>${textControl(path, o)}`;
  });
}

export function rowButtons(list, i, n, what) {
  return html`<span class="row-buttons">
    <button type="button" class="btn small link" data-act="up" data-list=${list} data-index=${i} aria-label="上移"
      ?disabled=${i === 0}>↑</button>
    <button type="button" class="btn small link" data-act="down" data-list=${list} data-index=${i} aria-label="下移"
      ?disabled=${i === n - 1}>↓</button>
    <button type="button" class="btn small danger" data-act="remove" data-list=${list} data-index=${i}
      aria-label=${"删除" + (what || "") + "第 " + (i + 1) + " 项"} data-testid="remove-row">删除</button></span>`;
}

// "＋ 添加材料": the entry's name is the title of the list entry's model (材料, 步骤 …).
export function addButton(list) {
  var items = schema.nodeAt(S.kind, list).items || {};
  var entry = items.$ref ? items.$ref.split("/").pop() : "string";
  var what = items.$ref ? schema.title(S.kind, list + ".0") : "";
  return html`<button type="button" class="btn small" data-act="add" data-list=${list}
    data-testid=${"add-" + entry.toLowerCase()}>＋ 添加${what}</button>`;
}

// A list of short texts, one input per row, with add / move / remove.
export function lines(path, o) {
  o = o || {};
  var label = o.label || schema.label(S.kind, path);
  var list = getPath(S.model, path) || [];
  var ph = schema.placeholder(S.kind, path);
  var rows = list.map(function (v, i) {
    var p = path + "." + i;
    var opts = { aria: label + " 第 " + (i + 1) + " 项", placeholder: ph, area: o.area, rows: 2 };
    return html`<li class="line-row${errClass(p)}" data-field=${p}><span class="num">${i + 1}.</span>
      <div class="line-main">${textControl(p, opts)}${slot(p)}</div>${rowButtons(path, i, list.length, label)}</li>`;
  });
  return html`<div class="field lines${o.cls ? " " + o.cls : ""}${errClass(path)}" data-field=${path} data-label=${label}
      role="group" aria-label=${label}>
    <span class="label">${label}</span>${hintOf(path, o)}
    ${rows.length ? html`<ol class="line-list">${rows}</ol>`
                  : html`<p class="muted" style="margin:2px 0 6px;font-size:13px">（暂无）</p>`}
    <div>${addButton(path)}</div>${slot(path)}</div>`;
}

// A card of the form. With a path (an object or list of the guide) its legend is that field's title.
export function section(legend, body, testid, path) {
  if (path) legend = legend || schema.title(S.kind, path);
  return html`<fieldset class="card section${path ? errClass(path) : ""}" data-field=${path || nothing}
      data-label=${path ? legend : nothing} data-testid=${testid || nothing}>
    <legend>${legend}</legend>${path ? slot(path) : nothing}${body}</fieldset>`;
}
