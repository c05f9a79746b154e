// The layout of each kind of guide's form: which field goes in which card, in what order and width.
// Everything an input says (label, hint, choices, limits) comes from the schema through fields.js.

import { html, nothing } from "../vendor/lit-html.js";
import { S, getPath } from "./state.js";
import * as schema from "./schema.js";
import { addButton, checkControl, control, errClass, field, rowButtons, section, slot, textControl }
  from "./fields.js";

export function guideForm() {
  if (S.kind === "item") return itemForm();
  if (S.kind === "route") return routeForm();
  if (S.kind === "industry") return industryForm();
  return faqForm();
}

function grid(n, parts) { return html`<div class=${"grid-" + n}>${parts}</div>`; }

function identityField() {
  var about = schema.hint(S.kind, "id");
  return field("id", {
    testid: "field-id", disabled: !S.creating, placeholder: schema.idPlaceholder(S.kind),
    hint: S.creating ? about + "，保存后不能再改" : "编号不能修改"
  });
}

// ---------------------------------------------------------------- item (事项)

function itemForm() {
  return html`
    ${section("基本信息", grid(2, [
      identityField(),
      field("name", { testid: "field-name" }),
      field("code"), field("type"), field("department"), field("audience"),
      field("summary", { area: true, cls: "span-all", rows: 2 }),
      field("aliases", { cls: "span-all" })
    ]), "section-basic")}
    ${section("受理条件与设定依据", [field("conditions", { area: true }), field("legal_basis")], "section-conditions")}
    ${section("", grid(3, [
      field("time_limit.statutory_days", { testid: "statutory-days" }),
      field("time_limit.promised_days", { testid: "promised-days" }),
      field("time_limit.kind"), field("time_limit.visits"), field("time_limit.promised_sample"),
      field("time_limit.note", { cls: "span-all" })
    ]), "section-time-limit", "time_limit")}
    ${section("", grid(2, [
      field("place.address"), field("place.window"), field("place.hours"), field("place.phone"),
      field("place.sample", { cls: "span-all" })
    ]), "section-place", "place")}
    ${section("办理渠道与结果", grid(2, [
      field("channels"), field("result.delivery"), field("result.name"), field("result.key")
    ]), "section-result")}
    ${section("", grid(3, [field("fee.charged"), field("fee.standard"), field("fee.basis")]), "section-fee", "fee")}
    ${section("", materialsTable(), "section-materials", "materials")}
    ${section("办理流程", field("steps"), "section-steps")}
    ${section("", qaList(), "section-faq", "faq")}
    ${section(schema.title("item", "notes"), field("notes", { area: true, rows: 4 }), "section-item-notes")}`;
}

var MATERIAL_COLUMNS = ["name", "form", "copies", "necessity", "deferral_days", "condition", "source", "commitment", "notes"];

function materialsTable() {
  var list = S.model.materials || [];
  var rows = list.map(function (m, i) {
    var p = "materials." + i;
    function cell(name, content, cls) {
      return html`<td class="${cls || ""}${errClass(p + "." + name)}" data-field=${p + "." + name}
        data-label=${schema.title("item", p + "." + name)}>${content}${slot(p + "." + name)}</td>`;
    }
    function aria(name) { return schema.label("item", p + "." + name); }
    var only = schema.onlyFor("item", p + ".deferral_days");
    var deferrable = schema.siblingsMatch(S.model, p + ".deferral_days", only, getPath);
    var needsCondition = schema.siblingsMatch(S.model, p + ".condition", schema.requiredWhen("item", p + ".condition"), getPath);
    return html`<tr data-testid="material-row" class=${errClass(p).trim()} data-field=${p}
        data-label=${"材料「" + (m.name || "第 " + (i + 1) + " 项") + "」"}>
      ${cell("name", html`<div class="name-cell"><span class="num">${i + 1}</span>${textControl(p + ".name",
        { aria: aria("name") + "（第 " + (i + 1) + " 项）", testid: "material-name", area: true, rows: 2 })}</div>`, "w-name")}
      ${cell("form", control(p + ".form", { aria: aria("form") }))}
      ${cell("copies", control(p + ".copies", { aria: aria("copies") }))}
      ${cell("necessity", control(p + ".necessity", { aria: aria("necessity"), testid: "material-necessity" }))}
      ${cell("deferral_days", control(p + ".deferral_days", { aria: aria("deferral_days"), testid: "material-deferral",
        disabled: !deferrable && (m.deferral_days === null || m.deferral_days === undefined) }))}
      ${cell("condition", textControl(p + ".condition", { aria: aria("condition"), area: true, rows: 2,
        placeholder: needsCondition ? schema.placeholder("item", p + ".condition") : "" }), "w-mid")}
      ${cell("source", textControl(p + ".source", { aria: aria("source"), area: true, rows: 2 }), "w-mid")}
      ${cell("commitment", checkControl(p + ".commitment", { aria: schema.hint("item", p + ".commitment") || aria("commitment") }))}
      ${cell("notes", textControl(p + ".notes", { aria: aria("notes"), area: true, rows: 2 }), "w-mid")}
      <td>${rowButtons("materials", i, list.length, schema.title("item", "materials.0"))}</td></tr>
      <tr class="row-error"><td colspan="10">${slot(p)}</td></tr>`;
  });
  return html`<div class="table-wrap"><table class="data materials" data-testid="materials-table"><thead><tr>
      ${MATERIAL_COLUMNS.map(function (name) {
        return html`<th class=${name === "name" ? "w-name" : ""}>${schema.label("item", "materials.0." + name)}</th>`;
      })}<th></th></tr></thead>
    <tbody>${rows.length ? rows : html`<tr><td colspan="10" class="muted">（暂无）</td></tr>`}</tbody></table></div>
    <p class="hint muted" style="font-size:12px;margin:6px 0">${schema.hint("item", "materials.0.necessity")}</p>
    ${addButton("materials")}`;
}

function qaList() {
  var list = S.model.faq || [];
  var what = schema.title("item", "faq.0");
  return html`${list.map(function (qa, i) {
    var p = "faq." + i;
    return html`<div class="sub-card${errClass(p)}" data-field=${p} data-label=${what + "第 " + (i + 1) + " 项"}>
      <div class="sub-head"><strong>${what} ${i + 1}</strong>${rowButtons("faq", i, list.length, what)}</div>${slot(p)}
      ${field(p + ".q")}${field(p + ".a", { area: true, rows: 2 })}</div>`;
  })}${addButton("faq")}`;
}

// ---------------------------------------------------------------- route (一件事)

function routeForm() {
  return html`
    ${section("基本信息", grid(2, [
      identityField(),
      field("name", { testid: "field-name" }),
      field("summary", { area: true, rows: 2, cls: "span-all" }),
      field("audience"),
      field("aliases", { cls: "span-all" })
    ]), "section-basic")}
    ${section("", html`<p class="hint muted">${schema.hint("route", "questions")}</p>${questionsEditor()}`,
              "section-questions", "questions")}
    ${section("", routeSteps(), "section-route-steps", "steps")}
    ${section(schema.title("route", "notes"), field("notes", { area: true }), "section-notes")}`;
}

function questionsEditor() {
  var qs = S.model.questions || [];
  var what = schema.title("route", "questions.0");
  return html`${qs.map(function (q, i) {
    var p = "questions." + i;
    return html`<div class="sub-card${errClass(p)}" data-testid="question" data-field=${p} data-label=${what + "第 " + (i + 1) + " 项"}>
      <div class="sub-head"><strong>${what} ${i + 1}</strong>${rowButtons("questions", i, qs.length, what)}</div>${slot(p)}
      ${grid(2, [
        field(p + ".id"), field(p + ".text"), field(p + ".help", { cls: "span-all" }),
        field(p + ".keywords", { words: true, cls: "span-all" })
      ])}
      ${optionsTable(p)}${whenEditor(p + ".when", q.id)}</div>`;
  })}${addButton("questions")}`;
}

var OPTION_COLUMNS = ["value", "label", "keywords", "min", "max"];

function optionsTable(qp) {
  var opts = getPath(S.model, qp + ".options") || [];
  var what = schema.title("route", qp + ".options.0");
  var rows = opts.map(function (o, i) {
    var p = qp + ".options." + i;
    return html`<tr data-testid="option-row" class=${errClass(p).trim()} data-field=${p}>
      ${OPTION_COLUMNS.map(function (name) {
        var fp = p + "." + name;
        return html`<td class=${errClass(fp).trim()} data-field=${fp} data-label=${schema.title("route", fp)}>${
          control(fp, { aria: schema.label("route", fp) })}${slot(fp)}</td>`;
      })}
      <td>${rowButtons(qp + ".options", i, opts.length, what)}</td></tr>
      <tr class="row-error"><td colspan="6">${slot(p)}</td></tr>`;
  });
  var path = qp + ".options";
  return html`<div class="field${errClass(path)}" data-field=${path} data-label=${schema.title("route", path)}>
    <span class="label">${schema.label("route", path)}</span><span class="hint">${schema.hint("route", path)}</span>
    <div class="table-wrap"><table class="data options materials"><thead><tr>
      ${OPTION_COLUMNS.map(function (name) {
        var fp = path + ".0." + name;
        var h = schema.hint("route", fp);
        return html`<th>${schema.label("route", fp)}${h ? html`<br><small>${h}</small>` : nothing}</th>`;
      })}<th></th></tr></thead><tbody>${rows}</tbody></table></div>
    ${slot(path)}<div>${addButton(path)}</div></div>`;
}

// `when`: {question id: value or [values]}, edited as rows of "question is one of [options]".
function whenEditor(path, exceptQuestion) {
  var label = schema.label("route", path);
  var cond = getPath(S.model, path) || {};
  var questions = (S.model.questions || []).filter(function (q) { return q.id && q.id !== exceptQuestion; });
  var rows = Object.keys(cond).map(function (key) {
    var q = questions.filter(function (qq) { return qq.id === key; })[0];
    var selected = [].concat(cond[key]);
    var values = q
      ? (q.options || []).filter(function (o) { return o.value; }).map(function (o) {
        return html`<label class="check"><input type="checkbox" data-type="when-v" data-path=${path} data-key=${key}
          data-value=${o.value} .checked=${selected.indexOf(o.value) >= 0}> ${o.label || o.value}</label>`;
      })
      : selected.map(function (v) { return html`<span class="badge withdrawn">${v}</span>`; });
    return html`<div class="when-row${errClass(path + "." + key)}" data-field=${path + "." + key}>
      <select data-type="when-q" data-path=${path} data-key=${key} aria-label="条件所依据的情形问题">
        ${q ? nothing : html`<option .value=${key} .selected=${true}>${key}（问题不存在）</option>`}
        ${questions.map(function (qq) {
          return html`<option .value=${qq.id} .selected=${qq.id === key}>${qq.text || qq.id}</option>`;
        })}
      </select><span class="muted">回答为</span><span class="checks">${values}</span>
      <button type="button" class="btn small danger" data-act="when-remove" data-path=${path} data-key=${key}>删除条件</button>
      ${slot(path + "." + key)}</div>`;
  });
  return html`<div class="field when${errClass(path)}" data-field=${path} data-label=${label}><span class="label">${label}</span>
    ${rows.length ? rows : html`<span class="muted" style="font-size:13px">（没有条件：总是适用）</span>`}
    ${questions.length ? html`<div><button type="button" class="btn small" data-act="when-add" data-path=${path}
      data-except=${exceptQuestion || ""}>＋ 添加条件</button></div>` : nothing}${slot(path)}</div>`;
}

function routeSteps() {
  var steps = S.model.steps || [];
  var what = schema.title("route", "steps.0");
  return html`${steps.map(function (s, i) {
    var p = "steps." + i;
    return html`<div class="sub-card${errClass(p)}" data-testid="route-step" data-field=${p} data-label=${what + "第 " + (i + 1) + " 项"}>
      <div class="sub-head"><strong>${what} ${i + 1}${s.id ? "：" + s.id : ""}</strong>${rowButtons("steps", i, steps.length, what)}</div>
      ${slot(p)}
      ${grid(3, [
        field(p + ".id"), field(p + ".item", { list: "item-ids" }), field(p + ".title"), field(p + ".stage"),
        field(p + ".note", { cls: "span-all" })
      ])}
      ${dependsField(i)}${whenEditor(p + ".when")}</div>`;
  })}${addButton("steps")}`;
}

function dependsField(i) {
  var steps = S.model.steps || [];
  var s = steps[i], p = "steps." + i + ".depends_on";
  var label = schema.label("route", p);
  var ids = steps.map(function (x) { return x.id; }).filter(Boolean);
  var deps = s.depends_on || [];
  var choices = ids.filter(function (id) { return id !== s.id; });
  deps.forEach(function (d) { if (choices.indexOf(d) < 0) choices.push(d); }); // dangling ones stay visible to be unticked
  return html`<div class="field${errClass(p)}" data-field=${p} data-label=${label} role="group" aria-label=${label}>
    <span class="label">${label}</span><span class="hint">${schema.hint("route", p)}</span>
    <div class="checks">${choices.length ? choices.map(function (id) {
      return html`<label class="check"><input type="checkbox" data-path=${p} data-type="set" data-value=${id}
        .checked=${deps.indexOf(id) >= 0}> ${id}${ids.indexOf(id) >= 0 ? "" : "（不存在）"}</label>`;
    }) : html`<span class="muted" style="font-size:13px">（没有其他步骤）</span>`}</div>${slot(p)}</div>`;
}

// ---------------------------------------------------------------- FAQ (问答) and industry (行业)

function faqForm() {
  return section(schema.kindTitle("faq"), grid(2, [
    identityField(),
    field("department"),
    field("question", { cls: "span-all", testid: "field-question" }),
    field("alt_questions", { cls: "span-all" }),
    field("answer", { area: true, rows: 6, cls: "span-all", testid: "field-answer" }),
    field("related", { words: true }),
    field("sample")
  ]), "section-faq-basic");
}

// An industry is only everyday names and the route they lead to; search credits its matches to the route.
function industryForm() {
  return section(schema.kindTitle("industry"), grid(2, [
    identityField(),
    field("name", { testid: "field-name" }),
    field("category"),
    field("route", { list: "route-ids", testid: "field-route" }),
    field("aliases", { cls: "span-all" }),
    field("note", { area: true, cls: "span-all", rows: 2 })
  ]), "section-industry");
}

