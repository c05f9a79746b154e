// 指南维护: list and search guides, edit items / routes / FAQ in forms, save drafts (optimistic locking
// with base_version), resolve conflicts, publish / roll back / withdraw, versions with diffs, audit log,
// export and import. The working copy of the guide is one plain object (S.model); every input names
// its place in it with data-path="materials.2.copies", so a 422 error's dotted `field` finds its input.
(function () {
  "use strict";

  var esc = Staff.esc;
  var KIND_NAMES = { item: "事项", route: "一件事", faq: "问答", industry: "行业" };
  var STATUS_NAMES = { draft: "草稿", published: "已发布", superseded: "历史版本", withdrawn: "已下线" };
  var ACTION_NAMES = {
    create: "新建", save: "保存草稿", save_draft: "保存草稿", draft: "保存草稿", publish: "发布", rollback: "回滚",
    withdraw: "下线", alias: "添加别名", add_alias: "添加别名", import: "导入", export: "导出",
    login: "登录", logout: "退出", login_failed: "登录失败", user_create: "新建账号", user_update: "修改账号"
  };
  // Chinese names of the guide fields, for error messages, diffs and the conflict view.
  var LABELS = {
    id: "编号", kind: "类型", name: "名称", code: "事项编码", type: "事项类型", department: "实施部门",
    audience: "服务对象", aliases: "别名（市民常用说法）", summary: "简介", conditions: "受理条件",
    legal_basis: "设定依据", time_limit: "办理时限", statutory_days: "法定办结时限", promised_days: "承诺办结时限",
    promised_sample: "承诺时限为示例值", costs: "税费", exemptions: "免征减征",
    visits: "到现场次数", note: "说明", place: "办理地点", address: "地址", window: "窗口", hours: "办公时间",
    phone: "咨询电话", sample: "示例值", channels: "办理渠道", result: "办理结果", delivery: "送达方式",
    key: "共享键", fee: "收费", charged: "是否收费", standard: "收费标准", basis: "收费依据", materials: "申请材料",
    form: "材料形式", copies: "份数", necessity: "必要性", deferral_days: "容缺补交期限", condition: "适用情形",
    when: "条件", source: "来源", from_item: "来自事项", commitment: "告知承诺", notes: "备注", steps: "步骤",
    faq: "常见问答", q: "问题", a: "回答", questions: "情形问题", text: "问题", help: "说明", options: "选项",
    value: "选项值", label: "选项名称", keywords: "关键词", min: "下限", max: "上限", item: "事项编号",
    title: "本路线中的叫法", depends_on: "前置步骤", stage: "阶段", question: "问题", alt_questions: "其他问法",
    answer: "回答", related: "相关指南", version: "版本", status: "状态", updated_at: "更新日期",
    category: "行业大类", route: "所走路线"
  };
  var ITEM_TYPES = ["行政许可", "公共服务", "备案", "行政确认", "行政登记", "行政给付", "其他行政权力"];
  var AUDIENCES = ["个人", "法人"];
  var DEADLINE_KINDS = ["承诺件", "即办件"];
  var CHANNELS = ["窗口", "网上", "全程网办", "邮寄"];
  var DELIVERIES = ["自取", "免费邮寄", "电子证照"];
  var FORMS = ["原件", "复印件", "原件和复印件", "电子"];
  var NECESSITIES = ["必要", "容缺", "情形"];
  var META_FIELDS = ["version", "status", "updated_at"]; // set by the store, not by the editor
  // String lists whose empty rows are dropped before saving (an empty alias is noise, not content).
  var STRING_LISTS = ["aliases", "conditions", "legal_basis", "notes", "alt_questions"];

  var S = {
    user: null,
    canPublish: false,
    list: [],
    guide: null,      // GET /api/editor/guides/{id}
    model: null,      // the working copy being edited
    kind: null,
    baseVersion: null,
    creating: false,
    dirty: false,
    errors: [],
    errorDetail: "",
    conflict: null,
    tab: "edit",
    versions: [],
    result: null      // {kind: "ok"|"error", text}
  };

  var main = document.getElementById("editor-main");
  var layout = document.getElementById("layout");
  var form = document.getElementById("guide-form");
  var head = document.getElementById("guide-head");
  var summaryBox = document.getElementById("error-summary");
  var conflictBox = document.getElementById("conflict");
  var emptyState = document.getElementById("empty-state");
  var listBody = document.querySelector("[data-testid=guide-list] tbody");

  // ---------------------------------------------------------------- paths

  function splitPath(path) {
    return path === "" ? [] : String(path).split(".").map(function (p) { return /^\d+$/.test(p) ? Number(p) : p; });
  }
  function getPath(obj, path) {
    var parts = splitPath(path);
    for (var i = 0; i < parts.length; i++) {
      if (obj === null || obj === undefined) return undefined;
      obj = obj[parts[i]];
    }
    return obj;
  }
  function setPath(obj, path, value) {
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
  function pathLabel(path) {
    var out = [];
    splitPath(path).forEach(function (p) {
      if (typeof p === "number") {
        if (out.length) out[out.length - 1] += " 第 " + (p + 1) + " 项";
        else out.push("第 " + (p + 1) + " 项");
      } else {
        out.push(LABELS[p] || p);
      }
    });
    return out.join(" › ") || "整份指南";
  }
  function clone(v) { return v === undefined ? undefined : JSON.parse(JSON.stringify(v)); }
  function guideTitle(data, kind) {
    if (!data) return "";
    return (kind || data.kind) === "faq" ? data.question : data.name;
  }
  function guideUrl(id) { return "/api/editor/guides/" + encodeURIComponent(id); }

  // ---------------------------------------------------------------- form controls

  function fid(path) { return "f-" + String(path).replace(/[^A-Za-z0-9_-]/g, "-"); }
  function val(path) {
    var v = getPath(S.model, path);
    return v === null || v === undefined ? "" : v;
  }
  function slot(path) { return '<div class="field-error" data-error-for="' + esc(path) + '"></div>'; }
  function attrs(path, type, o) {
    o = o || {};
    return ' id="' + (o.id || fid(path)) + '" data-path="' + esc(path) + '" data-type="' + type + '"' +
      (o.aria ? ' aria-label="' + esc(o.aria) + '"' : "") +
      (o.placeholder ? ' placeholder="' + esc(o.placeholder) + '"' : "") +
      (o.disabled ? " disabled" : "") + (o.rerender ? ' data-rerender data-old="' + esc(val(path)) + '"' : "") +
      (o.list ? ' list="' + o.list + '"' : "") + (o.testid ? ' data-testid="' + o.testid + '"' : "");
  }
  function inputCtl(path, o) {
    o = o || {};
    var type = o.optional ? "opt" : "text";
    if (o.area) return "<textarea rows=\"" + (o.rows || 3) + "\"" + attrs(path, type, o) + ">" + esc(val(path)) + "</textarea>";
    return '<input type="text"' + attrs(path, type, o) + ' value="' + esc(val(path)) + '">';
  }
  function numCtl(path, o) {
    o = o || {};
    return '<input type="number" inputmode="' + (o.decimal ? "decimal" : "numeric") + '" step="' + (o.decimal ? "any" : "1") + '"' +
      (o.min !== undefined ? ' min="' + o.min + '"' : "") + (o.max !== undefined ? ' max="' + o.max + '"' : "") +
      attrs(path, o.decimal ? "optnum" : o.optional ? "optint" : "int", o) + ' value="' + esc(val(path)) + '">';
  }
  function selectCtl(path, options, o) {
    o = o || {};
    var current = val(path);
    var opts = options.map(function (opt) {
      var v = Array.isArray(opt) ? opt[0] : opt, label = Array.isArray(opt) ? opt[1] : opt;
      return '<option value="' + esc(v) + '"' + (String(v) === String(current) ? " selected" : "") + ">" + esc(label) + "</option>";
    });
    if (current !== "" && !options.some(function (opt) { return String(Array.isArray(opt) ? opt[0] : opt) === String(current); })) {
      opts.unshift('<option value="' + esc(current) + '" selected>' + esc(current) + "（不在可选范围内）</option>");
    }
    if (o.optional) opts.unshift('<option value=""' + (current === "" ? " selected" : "") + ">（不填）</option>");
    return "<select" + attrs(path, o.optional ? "opt" : "text", o) + ">" + opts.join("") + "</select>";
  }
  function wrap(path, label, control, o) {
    o = o || {};
    return '<div class="field' + (o.cls ? " " + o.cls : "") + '" data-field="' + esc(path) + '" data-label="' + esc(label) + '">' +
      '<label for="' + (o.id || fid(path)) + '">' + esc(label) + (o.required ? ' <span class="req" aria-hidden="true">*</span>' : "") + "</label>" +
      control + (o.hint ? '<span class="hint">' + esc(o.hint) + "</span>" : "") + slot(path) + "</div>";
  }
  function text(path, label, o) { return wrap(path, label, inputCtl(path, o), o); }
  function num(path, label, o) { return wrap(path, label, numCtl(path, o), o); }
  function select(path, label, options, o) { return wrap(path, label, selectCtl(path, options, o), o); }
  function check(path, label, o) {
    o = o || {};
    return '<div class="field' + (o.cls ? " " + o.cls : "") + '" data-field="' + esc(path) + '" data-label="' + esc(label) + '">' +
      '<label class="check"><input type="checkbox"' + attrs(path, "bool", o) + (getPath(S.model, path) ? " checked" : "") + "> " +
      esc(label) + "</label>" + (o.hint ? '<span class="hint">' + esc(o.hint) + "</span>" : "") + slot(path) + "</div>";
  }
  // A set of choices stored as a list: audience, channels, delivery, depends_on.
  function setBoxes(path, values, labels) {
    var chosen = getPath(S.model, path) || [];
    return values.map(function (v, i) {
      return '<label class="check"><input type="checkbox" data-path="' + esc(path) + '" data-type="set" data-value="' + esc(v) + '"' +
        (chosen.indexOf(v) >= 0 ? " checked" : "") + "> " + esc(labels ? labels[i] : v) + "</label>";
    }).join("");
  }
  function setField(path, label, values, o) {
    o = o || {};
    return '<div class="field' + (o.cls ? " " + o.cls : "") + '" data-field="' + esc(path) + '" data-label="' + esc(label) + '" role="group" aria-label="' + esc(label) + '">' +
      '<span class="label">' + esc(label) + (o.required ? ' <span class="req" aria-hidden="true">*</span>' : "") + "</span>" +
      '<div class="checks">' + setBoxes(path, values) + "</div>" + (o.hint ? '<span class="hint">' + esc(o.hint) + "</span>" : "") + slot(path) + "</div>";
  }
  function rowButtons(list, i, n, what) {
    return '<span class="row-buttons">' +
      '<button type="button" class="btn small link" data-act="up" data-list="' + esc(list) + '" data-index="' + i + '" aria-label="上移"' + (i === 0 ? " disabled" : "") + ">↑</button>" +
      '<button type="button" class="btn small link" data-act="down" data-list="' + esc(list) + '" data-index="' + i + '" aria-label="下移"' + (i === n - 1 ? " disabled" : "") + ">↓</button>" +
      '<button type="button" class="btn small danger" data-act="remove" data-list="' + esc(list) + '" data-index="' + i + '" aria-label="删除' + esc(what || "") + "第 " + (i + 1) + ' 项" data-testid="remove-row">删除</button></span>';
  }
  function addButton(list, template, label) {
    return '<button type="button" class="btn small" data-act="add" data-list="' + esc(list) + '" data-template="' + template + '" data-testid="add-' + template + '">＋ ' + esc(label) + "</button>";
  }
  // A list of short texts, one input per row, with add / move / remove.
  function lines(path, label, o) {
    o = o || {};
    var list = getPath(S.model, path) || [];
    var rows = list.map(function (v, i) {
      var p = path + "." + i;
      var ctl = o.area
        ? '<textarea rows="2"' + attrs(p, "text", { aria: label + " 第 " + (i + 1) + " 项", placeholder: o.placeholder }) + ">" + esc(v) + "</textarea>"
        : '<input type="text"' + attrs(p, "text", { aria: label + " 第 " + (i + 1) + " 项", placeholder: o.placeholder }) + ' value="' + esc(v) + '">';
      return '<li class="line-row" data-field="' + esc(p) + '"><span class="num">' + (i + 1) + '.</span><div class="line-main">' +
        ctl + slot(p) + "</div>" + rowButtons(path, i, list.length) + "</li>";
    }).join("");
    return '<div class="field lines' + (o.cls ? " " + o.cls : "") + '" data-field="' + esc(path) + '" data-label="' + esc(label) + '" role="group" aria-label="' + esc(label) + '">' +
      '<span class="label">' + esc(label) + "</span>" + (o.hint ? '<span class="hint">' + esc(o.hint) + "</span>" : "") +
      (rows ? '<ol class="line-list">' + rows + "</ol>" : '<p class="muted" style="margin:2px 0 6px;font-size:13px">（暂无）</p>') +
      "<div>" + addButton(path, "string", o.addLabel || "添加") + "</div>" + slot(path) + "</div>";
  }
  function section(path, legend, body, testid) {
    return '<fieldset class="card section"' + (path ? ' data-field="' + esc(path) + '" data-label="' + esc(legend) + '"' : "") +
      (testid ? ' data-testid="' + testid + '"' : "") + "><legend>" + esc(legend) + "</legend>" + (path ? slot(path) : "") + body + "</fieldset>";
  }

  // ---------------------------------------------------------------- item form

  function identityFields() {
    return text("id", "编号（英文小写、数字和连字符）", {
      required: true, disabled: !S.creating, testid: "field-id",
      placeholder: { item: "如 food-business-license", route: "如 open-restaurant", faq: "如 faq-lost-licence",
                     industry: "如 hotpot-skewers" }[S.kind],
      hint: S.creating ? "保存后不能再改，网址和文件名都用它" : "编号不能修改"
    });
  }

  function itemForm() {
    return section("", "基本信息",
      '<div class="grid-2">' + identityFields() +
      text("name", "事项名称", { required: true, testid: "field-name" }) +
      text("code", "事项编码", { required: true, placeholder: "示例库用 SAMPLE-<部门>-<编号>" }) +
      select("type", "事项类型", ITEM_TYPES, { required: true }) +
      text("department", "实施部门", { required: true, placeholder: "如 示例市市场监督管理局" }) +
      setField("audience", "服务对象", AUDIENCES, { required: true }) +
      text("summary", "简介", { optional: true, area: true, cls: "span-all", rows: 2 }) +
      lines("aliases", "别名（市民常用说法）", { cls: "span-all", addLabel: "添加别名",
        hint: "写市民会怎么说：开饭店、办执照……不要写“材料”“手续”这类泛词" }) +
      "</div>", "section-basic") +
      section("", "受理条件与设定依据",
        lines("conditions", "受理条件", { addLabel: "添加条件", area: true }) +
        lines("legal_basis", "设定依据", { addLabel: "添加依据", placeholder: "如《中华人民共和国食品安全法》第三十五条" }), "section-conditions") +
      section("time_limit", "办理时限",
        '<div class="grid-3">' +
        num("time_limit.statutory_days", "法定办结时限（工作日）", { optional: true, min: 0, hint: "无法定时限时留空", testid: "statutory-days" }) +
        num("time_limit.promised_days", "承诺办结时限（工作日）", { required: true, min: 0, hint: "不能长于法定时限；即办件填 0", testid: "promised-days" }) +
        select("time_limit.kind", "办件类型", DEADLINE_KINDS) +
        num("time_limit.visits", "到现场次数", { min: 0, max: 5, hint: "0 表示全程网办" }) +
        check("time_limit.promised_sample", "承诺时限为示例值（示例）", { hint: "示例库中的承诺时限必须勾选，咨询时会注明（示例）" }) +
        text("time_limit.note", "时限说明", { optional: true, cls: "span-all" }) +
        "</div>", "section-time-limit") +
      section("place", "办理地点与窗口",
        '<div class="grid-2">' +
        text("place.address", "地址", { required: true }) +
        text("place.window", "窗口", { optional: true }) +
        text("place.hours", "办公时间", { required: true }) +
        text("place.phone", "咨询电话", { required: true }) +
        check("place.sample", "地址、窗口、电话是示例值（示例库必须勾选）", { cls: "span-all" }) +
        "</div>", "section-place") +
      section("", "办理渠道与结果",
        '<div class="grid-2">' +
        setField("channels", "办理渠道", CHANNELS) +
        setField("result.delivery", "结果送达方式", DELIVERIES) +
        text("result.name", "办理结果（证照名称）", { required: true }) +
        text("result.key", "结果的共享键（后续事项把它当材料时用）", { optional: true, placeholder: "如 营业执照" }) +
        "</div>", "section-result") +
      section("fee", "收费",
        '<div class="grid-3">' +
        check("fee.charged", "收费", { rerender: true }) +
        text("fee.standard", "收费标准", {}) +
        text("fee.basis", "收费依据", { optional: true }) +
        "</div>", "section-fee") +
      section("materials", "申请材料", materialsTable(), "section-materials") +
      section("", "办理流程", lines("steps", "办理步骤", { addLabel: "添加步骤" }), "section-steps") +
      section("faq", "常见问答", qaList(), "section-faq") +
      // Text an import could not place (knowledge/importing/): kept and editable, never dropped.
      section("", "其他说明", text("notes", "其他说明（导入时未归入字段的原文）", { optional: true, area: true, rows: 4 }),
              "section-item-notes");
  }

  function materialsTable() {
    var list = S.model.materials || [];
    var rows = list.map(function (m, i) {
      var p = "materials." + i;
      function cell(name, control, cls) {
        return '<td class="' + (cls || "") + '" data-field="' + p + "." + name + '" data-label="' + esc(LABELS[name]) + '">' + control + slot(p + "." + name) + "</td>";
      }
      var deferrable = m.necessity === "容缺";
      var situational = m.necessity === "情形";
      return '<tr data-testid="material-row" data-field="' + p + '" data-label="材料「' + esc(m.name || "第 " + (i + 1) + " 项") + '」">' +
        cell("name", '<div class="name-cell"><span class="num">' + (i + 1) + "</span>" +
          inputCtl(p + ".name", { aria: "第 " + (i + 1) + " 项材料名称", testid: "material-name", area: true, rows: 2 }) + "</div>", "w-name") +
        cell("form", selectCtl(p + ".form", FORMS, { aria: "材料形式" })) +
        cell("copies", numCtl(p + ".copies", { aria: "份数", min: 0, max: 20 })) +
        cell("necessity", selectCtl(p + ".necessity", NECESSITIES, { aria: "必要性", rerender: true, testid: "material-necessity" })) +
        cell("deferral_days", numCtl(p + ".deferral_days", {
          optional: true, aria: "容缺补交期限（工作日）", min: 1, max: 60, testid: "material-deferral",
          disabled: !deferrable && (m.deferral_days === null || m.deferral_days === undefined)
        })) +
        cell("condition", inputCtl(p + ".condition", { optional: true, aria: "适用情形", area: true, rows: 2,
          placeholder: situational ? "如：委托他人办理时" : "" }), "w-mid") +
        cell("source", inputCtl(p + ".source", { aria: "来源", area: true, rows: 2 }), "w-mid") +
        cell("commitment", '<label class="check"><input type="checkbox"' + attrs(p + ".commitment", "bool", { aria: "可用告知承诺书替代" }) +
          (m.commitment ? " checked" : "") + "> 可承诺</label>") +
        cell("notes", inputCtl(p + ".notes", { optional: true, aria: "备注", area: true, rows: 2 }), "w-mid") +
        "<td>" + rowButtons("materials", i, list.length, "材料") + "</td></tr>" +
        '<tr class="row-error"><td colspan="10">' + slot(p) + "</td></tr>";
    }).join("");
    return '<div class="table-wrap"><table class="data materials" data-testid="materials-table"><thead><tr>' +
      '<th class="w-name">材料名称</th><th>形式</th><th>份数</th><th>必要性</th><th>容缺补交期限<br>（工作日）</th>' +
      "<th>适用情形</th><th>来源</th><th>告知承诺</th><th>备注</th><th></th></tr></thead><tbody>" +
      (rows || '<tr><td colspan="10" class="muted">（暂无材料）</td></tr>') + "</tbody></table></div>" +
      '<p class="hint muted" style="font-size:12px;margin:6px 0">必要：受理时必须提交；容缺：可先受理、在补交期限内补齐；情形：只在写明的情形下需要。' +
      "勾选“可承诺”表示可用告知承诺书替代。</p>" + addButton("materials", "material", "添加材料");
  }

  function qaList() {
    var list = S.model.faq || [];
    return list.map(function (qa, i) {
      var p = "faq." + i;
      return '<div class="sub-card" data-field="' + p + '" data-label="常见问答第 ' + (i + 1) + ' 项">' +
        '<div class="sub-head"><strong>问答 ' + (i + 1) + "</strong>" + rowButtons("faq", i, list.length, "问答") + "</div>" + slot(p) +
        text(p + ".q", "问题", { required: true }) + text(p + ".a", "回答", { required: true, area: true, rows: 2 }) + "</div>";
    }).join("") + addButton("faq", "qa", "添加问答");
  }

  // ---------------------------------------------------------------- route form

  function routeForm() {
    return section("", "基本信息",
      '<div class="grid-2">' + identityFields() +
      text("name", "“一件事”名称", { required: true, testid: "field-name" }) +
      text("summary", "简介", { required: true, area: true, rows: 2, cls: "span-all" }) +
      text("audience", "服务对象", { optional: true, placeholder: "如 企业、个人" }) +
      lines("aliases", "别名（市民常用说法）", { cls: "span-all", addLabel: "添加别名" }) +
      "</div>", "section-basic") +
      section("questions", "情形问题（用来判断哪些步骤、材料适用）", questionsEditor(), "section-questions") +
      section("steps", "步骤", routeSteps(), "section-route-steps") +
      section("", "注意事项", lines("notes", "注意事项", { addLabel: "添加注意事项", area: true }), "section-notes");
  }

  function questionsEditor() {
    var qs = S.model.questions || [];
    return qs.map(function (q, i) {
      var p = "questions." + i;
      return '<div class="sub-card" data-testid="question" data-field="' + p + '" data-label="情形问题第 ' + (i + 1) + ' 项">' +
        '<div class="sub-head"><strong>情形问题 ' + (i + 1) + "</strong>" + rowButtons("questions", i, qs.length, "情形问题") + "</div>" + slot(p) +
        '<div class="grid-2">' +
        text(p + ".id", "问题编号", { required: true, rerender: true, placeholder: "如 sells_alcohol" }) +
        text(p + ".text", "问题", { required: true, rerender: true, placeholder: "如 是否销售酒类？" }) +
        text(p + ".help", "说明（可选）", { optional: true, cls: "span-all" }) +
        '<label class="span-all" data-field="' + p + '.keywords">话题词（市民顺带提到时也能认出，如 烟、香烟；用逗号或顿号分隔）' +
        '<input type="text"' + attrs(p + ".keywords", "csv", { aria: "话题词" }) +
        ' value="' + esc((q.keywords || []).join("、")) + '">' + slot(p + ".keywords") + "</label>" +
        "</div>" + optionsTable(p) + whenEditor(p + ".when", "只在以下情形下才问（可选）", q.id) + "</div>";
    }).join("") + addButton("questions", "question", "添加情形问题");
  }

  function optionsTable(qp) {
    var opts = getPath(S.model, qp + ".options") || [];
    var rows = opts.map(function (o, i) {
      var p = qp + ".options." + i;
      function cell(name, control) {
        return '<td data-field="' + p + "." + name + '" data-label="' + esc(LABELS[name]) + '">' + control + slot(p + "." + name) + "</td>";
      }
      return '<tr data-testid="option-row" data-field="' + p + '">' +
        cell("value", inputCtl(p + ".value", { aria: "选项值", rerender: true, placeholder: "如 yes" })) +
        cell("label", inputCtl(p + ".label", { aria: "选项名称", rerender: true, placeholder: "如 卖酒" })) +
        '<td data-field="' + p + '.keywords"><input type="text"' + attrs(p + ".keywords", "csv", { aria: "关键词（用逗号或顿号分隔）" }) +
        ' value="' + esc((o.keywords || []).join("、")) + '">' + slot(p + ".keywords") + "</td>" +
        cell("min", numCtl(p + ".min", { decimal: true, aria: "数值下限" })) +
        cell("max", numCtl(p + ".max", { decimal: true, aria: "数值上限" })) +
        "<td>" + rowButtons(qp + ".options", i, opts.length, "选项") + "</td></tr>" +
        '<tr class="row-error"><td colspan="6">' + slot(p) + "</td></tr>";
    }).join("");
    return '<div class="field" data-field="' + qp + '.options" data-label="选项"><span class="label">选项（至少两个）</span>' +
      '<div class="table-wrap"><table class="data options materials"><thead><tr><th>选项值</th><th>选项名称</th>' +
      "<th>市民可能的说法（、分隔）</th><th>数值下限</th><th>数值上限</th><th></th></tr></thead><tbody>" + rows +
      "</tbody></table></div>" + slot(qp + ".options") + "<div>" + addButton(qp + ".options", "option", "添加选项") + "</div></div>";
  }

  // `when`: {question id: value or [values]}, edited as rows of "question is one of [options]".
  function whenEditor(path, label, exceptQuestion) {
    var cond = getPath(S.model, path) || {};
    var questions = (S.model.questions || []).filter(function (q) { return q.id && q.id !== exceptQuestion; });
    var rows = Object.keys(cond).map(function (key) {
      var q = questions.filter(function (qq) { return qq.id === key; })[0];
      var selected = [].concat(cond[key]);
      var qSelect = '<select data-type="when-q" data-path="' + esc(path) + '" data-key="' + esc(key) + '" aria-label="条件所依据的情形问题">' +
        (q ? "" : '<option value="' + esc(key) + '" selected>' + esc(key) + "（问题不存在）</option>") +
        questions.map(function (qq) {
          return '<option value="' + esc(qq.id) + '"' + (qq.id === key ? " selected" : "") + ">" + esc(qq.text || qq.id) + "</option>";
        }).join("") + "</select>";
      var values = q ? (q.options || []).filter(function (o) { return o.value; }).map(function (o) {
        return '<label class="check"><input type="checkbox" data-type="when-v" data-path="' + esc(path) + '" data-key="' + esc(key) +
          '" data-value="' + esc(o.value) + '"' + (selected.indexOf(o.value) >= 0 ? " checked" : "") + "> " + esc(o.label || o.value) + "</label>";
      }).join("") : selected.map(function (v) { return '<span class="badge withdrawn">' + esc(v) + "</span>"; }).join("");
      return '<div class="when-row" data-field="' + esc(path + "." + key) + '">' + qSelect + '<span class="muted">回答为</span>' +
        '<span class="checks">' + values + "</span>" +
        '<button type="button" class="btn small danger" data-act="when-remove" data-path="' + esc(path) + '" data-key="' + esc(key) + '">删除条件</button>' +
        slot(path + "." + key) + "</div>";
    }).join("");
    return '<div class="field when" data-field="' + esc(path) + '" data-label="' + esc(label) + '"><span class="label">' + esc(label) + "</span>" +
      (rows || '<span class="muted" style="font-size:13px">（没有条件：总是适用）</span>') +
      (questions.length ? '<div><button type="button" class="btn small" data-act="when-add" data-path="' + esc(path) + '" data-except="' +
        esc(exceptQuestion || "") + '">＋ 添加条件</button></div>' : "") + slot(path) + "</div>";
  }

  function routeSteps() {
    var steps = S.model.steps || [];
    var ids = steps.map(function (s) { return s.id; }).filter(Boolean);
    return steps.map(function (s, i) {
      var p = "steps." + i;
      return '<div class="sub-card" data-testid="route-step" data-field="' + p + '" data-label="步骤第 ' + (i + 1) + ' 项">' +
        '<div class="sub-head"><strong>' + esc(stepHeading(i)) + "</strong>" + rowButtons("steps", i, steps.length, "步骤") + "</div>" + slot(p) +
        '<div class="grid-3">' +
        text(p + ".id", "步骤编号", { required: true, rerender: true, placeholder: "如 license" }) +
        text(p + ".item", "事项编号", { required: true, list: "item-ids", placeholder: "如 food-business-license" }) +
        text(p + ".title", "在本路线中的叫法（可选）", { optional: true }) +
        text(p + ".stage", "阶段（可选）", { optional: true }) +
        text(p + ".note", "说明（可选）", { optional: true, cls: "span-all" }) +
        "</div>" + dependsField(i) + whenEditor(p + ".when", "适用条件（可选）") + "</div>";
    }).join("") + addButton("steps", "step", "添加步骤");
  }

  function stepHeading(i) {
    var id = S.model.steps[i].id;
    return "步骤 " + (i + 1) + (id ? "：" + id : "");
  }

  function dependsField(i) {
    var steps = S.model.steps || [];
    var s = steps[i], p = "steps." + i;
    var ids = steps.map(function (x) { return x.id; }).filter(Boolean);
    var deps = s.depends_on || [];
    var choices = ids.filter(function (id) { return id !== s.id; });
    deps.forEach(function (d) { if (choices.indexOf(d) < 0) choices.push(d); }); // dangling ones stay visible to be unticked
    var boxes = choices.map(function (id) {
      var known = ids.indexOf(id) >= 0;
      return '<label class="check"><input type="checkbox" data-path="' + p + '.depends_on" data-type="set" data-value="' + esc(id) + '"' +
        (deps.indexOf(id) >= 0 ? " checked" : "") + "> " + esc(id) + (known ? "" : "（不存在）") + "</label>";
    }).join("");
    return '<div class="field" data-field="' + p + '.depends_on" data-deps="' + i + '" data-label="前置步骤" role="group" aria-label="前置步骤">' +
      '<span class="label">前置步骤（这些步骤办完才能办本步；不勾选表示可以并联办理）</span>' +
      '<div class="checks">' + (boxes || '<span class="muted" style="font-size:13px">（没有其他步骤）</span>') + "</div>" +
      slot(p + ".depends_on") + "</div>";
  }

  // After a step, question or option is renamed, only the parts that show those names are redrawn:
  // redrawing the whole form would replace the input the editor is moving into.
  function refreshDependents() {
    function swap(el, html) {
      var tmp = document.createElement("div");
      tmp.innerHTML = html;
      el.replaceWith(tmp.firstElementChild);
    }
    form.querySelectorAll(".field.when[data-field]").forEach(function (el) {
      var path = el.getAttribute("data-field");
      var m = /^questions\.(\d+)\.when$/.exec(path);
      var except = m && S.model.questions[Number(m[1])] ? S.model.questions[Number(m[1])].id : undefined;
      swap(el, whenEditor(path, el.getAttribute("data-label"), except));
    });
    form.querySelectorAll("[data-deps]").forEach(function (el) {
      swap(el, dependsField(Number(el.getAttribute("data-deps"))));
    });
    form.querySelectorAll("[data-testid=route-step] > .sub-head > strong").forEach(function (el, i) {
      el.textContent = stepHeading(i);
    });
    applyErrors();
  }

  // ---------------------------------------------------------------- faq form

  function faqForm() {
    return section("", "问答",
      '<div class="grid-2">' + identityFields() +
      text("department", "解答单位", {}) +
      text("question", "问题", { required: true, cls: "span-all", testid: "field-question" }) +
      lines("alt_questions", "其他问法（市民可能怎么问）", { cls: "span-all", addLabel: "添加问法" }) +
      text("answer", "回答", { required: true, area: true, rows: 6, cls: "span-all", testid: "field-answer" }) +
      '<div class="field" data-field="related" data-label="相关指南"><label for="' + fid("related") + '">相关指南编号（、或逗号分隔）</label>' +
      '<input type="text"' + attrs("related", "csv", {}) + ' value="' + esc((S.model.related || []).join("、")) + '">' + slot("related") + "</div>" +
      check("sample", "回答中含示例值（地址、电话、时间）") +
      "</div>", "section-faq-basic");
  }

  // ---------------------------------------------------------------- industry form

  // An industry is only everyday names and the route they lead to; search credits its matches to the route.
  function industryForm() {
    return section("", "行业",
      '<div class="grid-2">' + identityFields() +
      text("name", "行业名称", { required: true, testid: "field-name", placeholder: "如 火锅店、串串店" }) +
      text("category", "行业大类", { required: true, placeholder: "如 餐饮、零售、生活服务" }) +
      text("route", "所走的一件事路线编号", { required: true, list: "route-ids", testid: "field-route", placeholder: "如 open-restaurant",
        hint: "市民说出这些叫法时，助手给出这条路线；需要路线里没有的许可时，先新建一条路线" }) +
      lines("aliases", "日常叫法（市民怎么称呼这类店）", { cls: "span-all", addLabel: "添加叫法",
        hint: "写店的叫法：串串店、烘焙坊、小饭馆……不要写许可证名称，那是事项的别名" }) +
      text("note", "编辑说明", { optional: true, area: true, cls: "span-all", rows: 2 }) +
      "</div>", "section-industry");
  }

  // ---------------------------------------------------------------- templates

  var TEMPLATES = {
    string: function () { return ""; },
    material: function () {
      return { name: "", form: "原件", copies: 1, necessity: "必要", deferral_days: null, condition: null,
               source: "申请人自备", commitment: false, notes: null };
    },
    qa: function () { return { q: "", a: "" }; },
    option: function () { return { value: "", label: "", keywords: [] }; },
    question: function () {
      return { id: "", text: "", options: [{ value: "yes", label: "是", keywords: [] }, { value: "no", label: "否", keywords: [] }] };
    },
    step: function () { return { id: "", item: "", depends_on: [] }; }
  };

  function skeleton(kind, title, alias) {
    var aliases = alias ? [alias] : [];
    var centre = document.querySelector('meta[name="centre"]');  // filled in by the server (routes/pages.py)
    if (kind === "item") {
      return {
        kind: "item", id: "", name: title || "", code: "", type: "行政许可", department: "", audience: ["个人"],
        aliases: aliases, summary: null, conditions: [], legal_basis: [],
        time_limit: { statutory_days: null, promised_days: null, kind: "承诺件", visits: 1, promised_sample: true, note: null },
        place: { address: centre.content + "（示例地址）", window: null, hours: "工作日 9:00-12:00，13:30-17:30（示例）",
                 phone: centre.dataset.hotline, sample: true },
        channels: ["窗口"], result: { name: "", key: null, delivery: ["自取"] },
        fee: { charged: false, standard: "不收费", basis: null }, materials: [], steps: [], faq: []
      };
    }
    if (kind === "route") {
      return { kind: "route", id: "", name: title || "", aliases: aliases, summary: "", audience: null,
               questions: [], steps: [TEMPLATES.step()], notes: [] };
    }
    if (kind === "industry") {
      return { kind: "industry", id: "", name: title || "", category: "", aliases: aliases, route: "", note: null };
    }
    return { kind: "faq", id: "", question: title || "", alt_questions: aliases, answer: "",
             department: centre.content, related: [], sample: false };
  }

  // ---------------------------------------------------------------- rendering

  function renderForm() {
    if (!S.model) {
      form.hidden = true;
      form.innerHTML = "";
      return;
    }
    var scroll = window.scrollY;
    var active = document.activeElement;
    var refocus = active && form.contains(active) && active.hasAttribute("data-path")
      ? ["data-path", "data-key", "data-value"].filter(function (a) { return active.hasAttribute(a); })
        .map(function (a) { return "[" + a + '="' + cssEscape(active.getAttribute(a)) + '"]'; }).join("")
      : null;
    form.innerHTML = S.kind === "item" ? itemForm() : S.kind === "route" ? routeForm()
      : S.kind === "industry" ? industryForm() : faqForm();
    form.hidden = !!S.conflict;
    if (refocus) {
      var again = form.querySelector(refocus);
      if (again) again.focus({ preventScroll: true });
    }
    applyErrors();
    form.querySelectorAll("table textarea").forEach(fitHeight);
    window.scrollTo(0, scroll);
  }

  // Table cells are narrow: their text boxes grow with the text instead of hiding it behind a scrollbar.
  function fitHeight(area) {
    area.style.height = "auto";
    area.style.height = Math.min(area.scrollHeight + 2, 200) + "px";
  }

  function badge(cls, textValue, testid) {
    return '<span class="badge ' + cls + '"' + (testid ? ' data-testid="' + testid + '"' : "") + ">" + esc(textValue) + "</span>";
  }

  function renderHead() {
    if (!S.model) { head.hidden = true; head.innerHTML = ""; return; }
    head.hidden = false;
    var g = S.guide;
    var badges = [];
    if (S.creating) badges.push(badge("draft", "新建，尚未保存"));
    else {
      badges.push(g.published_version ? badge("published", "已发布 v" + g.published_version, "guide-published-badge")
                                       : badge("muted", "未发布", "guide-published-badge"));
      if (g.draft) badges.push(badge("draft", "草稿 v" + g.draft.version, "guide-draft-badge"));
    }
    if (S.dirty) badges.push(badge("warn", "有未保存的修改", "dirty-badge"));
    var draftV = g && g.draft ? g.draft.version : null;
    var buttons = ['<button type="button" class="btn primary" data-cmd="save" data-testid="save-draft">' +
      (S.creating ? "创建草稿" : "保存草稿") + "</button>"];
    if (!S.creating) {
      buttons.push('<button type="button" class="btn" data-cmd="revert" data-testid="revert"' + (S.dirty ? "" : " disabled") + ">放弃修改</button>");
      if (S.canPublish) {
        buttons.push('<button type="button" class="btn" data-cmd="publish" data-testid="publish"' +
          (draftV ? "" : ' disabled title="没有待发布的草稿"') + ">发布" + (draftV ? "草稿 v" + draftV : "") + "</button>");
        if (g.published_version) buttons.push('<button type="button" class="btn danger" data-cmd="withdraw" data-testid="withdraw">下线</button>');
      }
      if (g.published_version && (S.kind === "item" || S.kind === "route")) {
        buttons.push('<a class="btn link" target="_blank" rel="noopener" href="/api/' + (S.kind === "item" ? "items/" : "routes/") +
          encodeURIComponent(g.id) + '/notice">线上告知单 ↗</a>');
      }
    } else {
      buttons.push('<button type="button" class="btn" data-cmd="cancel-create">取消</button>');
    }
    var meta = S.creating ? "新建" + KIND_NAMES[S.kind]
      : KIND_NAMES[S.kind] + " · " + g.id + (S.model.department ? " · " + S.model.department : "") +
        (S.baseVersion ? " · 最新版本 v" + S.baseVersion : "");
    head.innerHTML = '<button type="button" class="btn small link list-toggle" data-cmd="show-list" style="float:right">← 指南列表</button>' +
      (layout.classList.contains("list-collapsed")
        ? '<button type="button" class="btn small link wide-toggle" data-cmd="wide" style="float:right">⇥ 显示指南列表</button>'
        : '<button type="button" class="btn small link wide-toggle" data-cmd="wide" style="float:right">⇤ 收起列表，全宽编辑</button>') +
      (S.dirty ? '<button type="button" class="btn primary fab-save" data-cmd="save" aria-label="保存草稿">保存</button>' : "") +
      '<h1 data-testid="guide-title">' + esc(guideTitle(S.model, S.kind) || "（未命名）") + ' <span class="badges">' + badges.join("") + "</span></h1>" +
      '<p class="meta">' + esc(meta) + "</p>" +
      '<div class="toolbar">' + buttons.join("") + "</div>" +
      (S.result ? '<div class="action-result ' + S.result.kind + '" data-testid="' +
        (S.result.kind === "ok" ? "action-result" : "action-error") + '" role="' + (S.result.kind === "ok" ? "status" : "alert") + '">' +
        esc(S.result.text) + "</div>" : "");
    // Whatever the page scrolls to (an error, the conflict view) must land below the sticky head.
    var sticky = getComputedStyle(head).position === "sticky";
    document.documentElement.style.setProperty("--head-h", (sticky ? head.offsetHeight + 12 : 12) + "px");
  }

  function renderAll() {
    emptyState.hidden = !!S.model;
    layout.classList.toggle("has-guide", !!S.model);
    renderHead();
    renderForm();
    renderSummary();
    renderConflict();
    markListSelection();
  }

  function setResult(kind, textValue) {
    S.result = textValue ? { kind: kind, text: textValue } : null;
    renderHead();
    if (!S.model && S.guide) showEmpty(); // a withdrawn guide has no form and no head: the note goes here
  }

  function showEmpty(message) {
    var p = emptyState.querySelector("p");
    if (message) p.textContent = message;
    var old = emptyState.querySelector(".action-result");
    if (old) old.remove();
    if (S.result) {
      var box = document.createElement("div");
      box.className = "action-result " + S.result.kind;
      box.setAttribute("data-testid", S.result.kind === "ok" ? "action-result" : "action-error");
      box.textContent = S.result.text;
      emptyState.appendChild(box);
    }
    emptyState.hidden = false;
  }

  function markDirty() {
    if (S.dirty) return;
    S.dirty = true;
    renderHead();
  }

  // ---------------------------------------------------------------- errors (422)

  function findSlot(field) {
    var parts = splitPath(field);
    while (true) {
      var path = parts.join(".");
      var slotEl = form.querySelector('[data-error-for="' + cssEscape(path) + '"]');
      if (slotEl) return { path: path, slot: slotEl, wrapper: form.querySelector('[data-field="' + cssEscape(path) + '"]') };
      if (!parts.length) return null;
      parts.pop();
    }
  }
  function cssEscape(s) { return window.CSS && CSS.escape ? CSS.escape(s) : String(s).replace(/["\\]/g, "\\$&"); }

  function applyErrors() {
    form.querySelectorAll("[data-error-for]").forEach(function (el) { el.textContent = ""; });
    form.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
    S.errors.forEach(function (err) {
      var found = findSlot(err.field || "");
      if (!found) return;
      var line = document.createElement("div");
      line.textContent = err.msg;
      found.slot.appendChild(line);
      if (found.wrapper) found.wrapper.classList.add("has-error");
      var input = form.querySelector('[data-path="' + cssEscape(err.field || "") + '"]');
      if (input) input.classList.add("has-error");
    });
  }

  function renderSummary() {
    if (!S.errors.length) { summaryBox.hidden = true; summaryBox.innerHTML = ""; return; }
    summaryBox.hidden = false;
    summaryBox.innerHTML = "<strong>" + esc(S.errorDetail || "指南内容有误，请按提示修改") + "</strong><ul>" +
      S.errors.map(function (err, i) {
        return '<li><a href="#" data-goto="' + i + '">' + esc(pathLabel(err.field || "")) + "</a>：" + esc(err.msg) + "</li>";
      }).join("") + "</ul>";
  }

  summaryBox.addEventListener("click", function (e) {
    var a = e.target.closest("a[data-goto]");
    if (!a) return;
    e.preventDefault();
    var err = S.errors[Number(a.getAttribute("data-goto"))];
    var input = form.querySelector('[data-path="' + cssEscape(err.field || "") + '"]');
    var found = findSlot(err.field || "");
    var target = input || (found && (found.wrapper || found.slot));
    if (!target) return;
    target.scrollIntoView({ block: "center" });
    var focusable = input || (found.wrapper && found.wrapper.querySelector("input, select, textarea"));
    if (focusable) focusable.focus({ preventScroll: true });
  });

  // FastAPI's own request validation ({"detail": [{loc, msg}]}) arrives when the body's shape is wrong.
  function errorsFrom(err) {
    var body = err.body || {};
    if (Array.isArray(body.errors)) return body.errors;
    if (Array.isArray(body.detail)) {
      return body.detail.map(function (d) {
        var loc = (d.loc || []).filter(function (p) { return p !== "body" && p !== "data"; });
        return { field: loc.join("."), msg: d.msg };
      });
    }
    return [{ field: "", msg: err.detail }];
  }

  function showErrors(err) {
    S.errors = errorsFrom(err);
    S.errorDetail = typeof (err.body || {}).detail === "string" ? err.body.detail : "指南内容有误，请按提示修改";
    renderForm();
    renderSummary();
    summaryBox.scrollIntoView({ block: "start" });
    summaryBox.focus({ preventScroll: true });
  }

  function clearErrors() {
    S.errors = [];
    S.errorDetail = "";
    renderSummary();
  }

  // ---------------------------------------------------------------- form events

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

  function onFieldChange(e) {
    var el = e.target;
    if (el.tagName === "TEXTAREA" && el.closest("table")) fitHeight(el);
    var path = el.getAttribute("data-path");
    var type = el.getAttribute("data-type");
    if (path === null || !S.model) return;
    if (type === "set") {
      var boxes = form.querySelectorAll('input[data-type="set"][data-path="' + cssEscape(path) + '"]');
      var chosen = [];
      boxes.forEach(function (b) { if (b.checked) chosen.push(b.getAttribute("data-value")); });
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
      markDirty();
      renderForm();
      return;
    } else {
      setPath(S.model, path, readValue(el));
      if (/\.necessity$/.test(path) && e.type === "change") {
        var base = path.replace(/\.necessity$/, "");
        // Only 容缺 materials have a hand-in deadline; the schema refuses one anywhere else.
        if (el.value !== "容缺") setPath(S.model, base + ".deferral_days", null);
      }
      if (path === "fee.charged" && e.type === "change" && !el.checked) setPath(S.model, "fee.standard", "不收费");
      if (path === "name" || path === "question") {
        var title = document.querySelector("[data-testid=guide-title]");
        if (title && title.firstChild) title.firstChild.nodeValue = (el.value || "（未命名）") + " ";
      }
    }
    if (e.type === "change" && el.hasAttribute("data-old")) {
      renameReferences(path, el.getAttribute("data-old"), el.value.trim());
      el.setAttribute("data-old", el.value.trim());
    }
    markDirty();
    if (e.type === "change" && el.hasAttribute("data-rerender")) {
      if (el.tagName === "SELECT" || el.type === "checkbox") renderForm();
      else refreshDependents();
    }
  }

  // Renaming a step, a question or an option carries the new name into the places that point at it
  // (depends_on and when conditions), so a rename does not leave dangling references behind.
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

  form.addEventListener("input", onFieldChange);
  form.addEventListener("change", onFieldChange);
  form.addEventListener("submit", function (e) { e.preventDefault(); });

  form.addEventListener("click", function (e) {
    var btn = e.target.closest("button[data-act]");
    if (!btn || !S.model) return;
    var act = btn.getAttribute("data-act");
    var listPath = btn.getAttribute("data-list");
    var list = listPath ? getPath(S.model, listPath) : null;
    if (listPath && !Array.isArray(list)) { list = []; setPath(S.model, listPath, list); }
    var i = Number(btn.getAttribute("data-index"));
    var focusPath = null;
    if (act === "add") {
      list.push(TEMPLATES[btn.getAttribute("data-template")]());
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
      if (!q) { Staff.toast("所有情形问题都已用在条件里了", "error"); return; }
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
    // Row indexes shift, so messages tied to old paths would point at the wrong rows.
    if (act !== "when-add" && act !== "when-remove") clearErrors();
    markDirty();
    renderForm();
    if (focusPath) {
      var el = form.querySelector('[data-path^="' + cssEscape(focusPath) + '"]');
      if (el) { el.focus(); el.scrollIntoView({ block: "center" }); }
    }
  });

  // ---------------------------------------------------------------- guide list

  var searchTimer = null;

  async function loadList() {
    var params = new URLSearchParams();
    var q = document.getElementById("q").value.trim();
    var kind = document.getElementById("kind-filter").value;
    var status = document.getElementById("status-filter").value;
    if (q) params.set("q", q);
    if (kind) params.set("kind", kind);
    if (status) params.set("status", status);
    try {
      S.list = await Staff.api("/api/editor/guides" + (params.toString() ? "?" + params : ""));
    } catch (e) {
      Staff.toast("读取指南列表失败：" + e.detail, "error");
      return;
    }
    renderList();
  }

  function renderList() {
    document.getElementById("list-count").textContent = "共 " + S.list.length + " 份";
    listBody.innerHTML = S.list.map(function (g) {
      var badges = (g.published_version ? badge("published", "已发布 v" + g.published_version)
                                        : badge("muted", g.latest_version > 1 ? "未发布/已下线" : "未发布")) +
        (g.has_draft ? badge("draft", "草稿 v" + g.latest_version, "draft-badge") : "");
      return '<tr data-testid="guide-row" data-id="' + esc(g.id) + '" class="clickable">' +
        '<td><a class="open" href="/editor?id=' + encodeURIComponent(g.id) + '" data-open="' + esc(g.id) + '">' + esc(g.title || g.id) + "</a>" +
        '<div class="sub">' + esc(g.id) + (g.department ? " · " + esc(g.department) : "") + "</div>" +
        (g.updated_at ? '<div class="sub">' + esc(Staff.time(g.updated_at)) + (g.updated_by ? " " + esc(g.updated_by) : "") + "</div>" : "") + "</td>" +
        "<td>" + badge("", KIND_NAMES[g.kind] || g.kind) + "</td>" +
        '<td><div class="badges">' + badges + "</div></td></tr>";
    }).join("") || '<tr><td colspan="3" class="muted">没有符合条件的指南</td></tr>';
    markListSelection();
  }

  function markListSelection() {
    var current = S.guide && !S.creating ? S.guide.id : null;
    listBody.querySelectorAll("tr[data-id]").forEach(function (tr) {
      tr.setAttribute("aria-selected", tr.getAttribute("data-id") === current ? "true" : "false");
    });
  }

  listBody.addEventListener("click", function (e) {
    if (e.target.closest("a") && (e.ctrlKey || e.metaKey || e.shiftKey)) return; // open in a new tab as usual
    var row = e.target.closest("tr[data-id]");
    if (!row) return;
    e.preventDefault();
    openGuide(row.getAttribute("data-id"));
  });

  document.getElementById("q").addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(loadList, 250);
  });
  document.getElementById("kind-filter").addEventListener("change", loadList);
  document.getElementById("status-filter").addEventListener("change", loadList);

  document.getElementById("list-toggle").addEventListener("click", function () {
    var open = layout.classList.toggle("list-open");
    this.setAttribute("aria-expanded", open ? "true" : "false");
    this.textContent = open ? "收起列表" : "展开列表";
  });

  // ---------------------------------------------------------------- open / create

  async function confirmLeave() {
    if (!S.dirty) return true;
    return confirmBox("当前指南有未保存的修改，离开将丢失这些修改。确定离开吗？", "放弃修改并离开", true);
  }

  function setUrl(params) {
    var qs = new URLSearchParams(params).toString();
    history.replaceState(null, "", "/editor" + (qs ? "?" + qs : ""));
  }

  async function openGuide(id, opts) {
    opts = opts || {};
    if (!opts.force && !(await confirmLeave())) return;
    var detail;
    try {
      detail = await Staff.api(guideUrl(id));
    } catch (e) {
      Staff.toast(e.status === 404 ? "没有找到指南「" + id + "」" : "打开指南失败：" + e.detail, "error");
      return;
    }
    S.guide = detail;
    S.kind = detail.kind;
    S.creating = false;
    var source = detail.draft || detail.published;
    S.model = source ? clone(source.data) : null;
    S.baseVersion = detail.latest_version;
    S.dirty = false;
    S.conflict = null;
    if (!opts.keepResult) S.result = null;
    clearErrors();
    if (!S.model) {
      // Withdrawn and no draft: there is nothing current to edit; the versions list can bring one back.
      setUrl({ id: id });
      renderAll();
      showEmpty("指南「" + id + "」已下线，当前没有草稿。可在“版本与比较”中选择一个版本回滚发布。");
      selectTab("versions");
      return;
    }
    layout.classList.remove("list-open");
    setUrl({ id: id });
    renderAll();
    if (S.kind === "route") loadItemIds();
    if (S.kind === "industry") loadRouteIds();
    if (S.tab === "versions") loadVersions();
    if (S.tab === "audit") loadAudit();
    if (!opts.force && window.matchMedia("(max-width: 999px)").matches) head.scrollIntoView({ block: "start" });
  }

  async function startCreate(kind, title, alias) {
    if (!(await confirmLeave())) return;
    S.guide = null;
    S.kind = kind;
    S.creating = true;
    S.model = skeleton(kind, title, alias);
    S.baseVersion = null;
    S.dirty = false;
    S.conflict = null;
    S.result = null;
    clearErrors();
    selectTab("edit");
    renderAll();
    if (kind === "route") loadItemIds();
    if (kind === "industry") loadRouteIds();
    var idInput = form.querySelector('[data-path="id"]');
    if (idInput) idInput.focus();
  }

  var itemIdsLoaded = false;
  async function loadItemIds() {
    if (itemIdsLoaded) return;
    try {
      var items = await Staff.api("/api/editor/guides?kind=item");
      document.getElementById("item-ids").innerHTML = items.map(function (g) {
        return '<option value="' + esc(g.id) + '">' + esc(g.title) + "</option>";
      }).join("");
      itemIdsLoaded = true;
    } catch (e) { /* only a typing aid */ }
  }

  var routeIdsLoaded = false;
  async function loadRouteIds() {
    if (routeIdsLoaded) return;
    try {
      var routes = await Staff.api("/api/editor/guides?kind=route");
      document.getElementById("route-ids").innerHTML = routes.map(function (g) {
        return '<option value="' + esc(g.id) + '">' + esc(g.title) + "</option>";
      }).join("");
      routeIdsLoaded = true;
    } catch (e) { /* only a typing aid */ }
  }

  document.getElementById("new-guide").addEventListener("click", async function () {
    if (!(await confirmLeave())) return;
    S.model = null;
    S.guide = null;
    S.creating = false;
    S.dirty = false;
    clearErrors();
    selectTab("edit");
    renderAll();
    emptyState.querySelector("p").textContent = "要新建哪一种指南？";
    document.getElementById("new-chooser").hidden = false;
    emptyState.scrollIntoView({ block: "start" });
  });
  document.getElementById("new-chooser").addEventListener("click", function (e) {
    var btn = e.target.closest("button[data-new]");
    if (btn) startCreate(btn.getAttribute("data-new"), "", "");
  });

  // ---------------------------------------------------------------- save / conflict

  function cleanModel() {
    var names = S.kind === "item" ? STRING_LISTS.concat(["steps"]) : STRING_LISTS;
    names.forEach(function (name) {
      if (Array.isArray(S.model[name])) {
        S.model[name] = S.model[name].filter(function (s) { return String(s).trim() !== ""; });
      }
    });
  }

  async function save(baseOverride) {
    if (!S.model) return;
    cleanModel();
    var button = head.querySelector("[data-cmd=save]");
    if (button) { button.disabled = true; button.textContent = "正在保存…"; }
    setResult(null, "");
    try {
      if (S.creating) {
        await Staff.api("/api/editor/guides", { method: "POST", body: { kind: S.kind, data: S.model } });
        var newId = S.model.id;
        S.dirty = false;
        Staff.toast("已创建草稿 v1", "ok");
        clearErrors();
        await openGuide(newId, { force: true });
        setResult("ok", "已创建草稿 v1。" + (S.canPublish ? "检查无误后可以发布。" : "请审核员审核发布。"));
      } else {
        var base = baseOverride !== undefined ? baseOverride : S.baseVersion;
        var saved = await Staff.api(guideUrl(S.guide.id) + "/draft", { method: "PUT", body: { base_version: base, data: S.model } });
        S.dirty = false;
        var v = saved && (saved.version || (saved.draft && saved.draft.version) || saved.latest_version);
        Staff.toast("已保存草稿" + (v ? " v" + v : ""), "ok");
        clearErrors();
        await openGuide(S.guide.id, { force: true });
        setResult("ok", "已保存草稿" + (v ? " v" + v : "") + "。" + (S.canPublish ? "" : "发布需要审核员操作。"));
      }
      loadList();
    } catch (e) {
      if (e.status === 422) {
        setResult("error", (e.body && typeof e.body.detail === "string" ? e.body.detail : "指南内容有误，请按提示修改") +
          "（共 " + errorsFrom(e).length + " 处）");
        showErrors(e); // after the head has its final height, so the summary is not scrolled under it
      } else if (e.status === 409 && e.body && e.body.theirs) {
        S.conflict = e.body;
        renderConflict();
        renderForm();
      } else if (e.status === 409 && S.creating) {
        showErrors({ body: { detail: e.detail, errors: [{ field: "id", msg: e.detail }] } });
        setResult("error", e.detail);
      } else if (e.status === 401) {
        // Sending the browser to /login now would throw the edits away; they stay on this page.
        setResult("error", "登录已过期：请在新标签页打开 " + location.origin + "/login 重新登录，再回到本页点“保存草稿”（您的修改仍在本页）");
      } else {
        setResult("error", "保存失败：" + e.detail);
      }
    }
    renderHead();
  }

  // Flattened "path → text" view of a guide, for comparing two versions field by field.
  function flatten(v, prefix, out) {
    out = out || {};
    if (Array.isArray(v) && v.every(function (x) { return x === null || typeof x !== "object"; })) {
      out[prefix] = v.join("、");
    } else if (v && typeof v === "object") {
      var keys = Object.keys(v);
      keys.forEach(function (k) {
        if (!prefix && META_FIELDS.indexOf(k) >= 0) return;
        flatten(v[k], prefix ? prefix + "." + k : k, out);
      });
    } else {
      out[prefix] = v === null || v === undefined ? "" : String(v);
    }
    return out;
  }
  function fieldDiffs(a, b) {
    var fa = flatten(a, ""), fb = flatten(b, "");
    var keys = Object.keys(fa);
    Object.keys(fb).forEach(function (k) { if (keys.indexOf(k) < 0) keys.push(k); });
    return keys.filter(function (k) { return (fa[k] || "") !== (fb[k] || ""); })
      .map(function (k) { return { field: k, a: fa[k] || "", b: fb[k] || "" }; });
  }

  // A YAML-like rendering (display only) so two versions can be read side by side.
  function isScalar(v) { return v === null || typeof v !== "object"; }
  function scalar(v, indent) {
    if (v === null || v === undefined) return "";
    return String(v).replace(/\n/g, "\n" + indent + "  ");
  }
  function yaml(v, indent) {
    indent = indent || "";
    if (Array.isArray(v)) {
      if (!v.length) return " []";
      return v.map(function (x) {
        return "\n" + indent + "- " + (isScalar(x) ? scalar(x, indent) : yaml(x, indent + "  ").replace(/^\n\s*/, ""));
      }).join("");
    }
    if (v && typeof v === "object") {
      return Object.keys(v).filter(function (k) {
        return v[k] !== null && v[k] !== undefined && !(Array.isArray(v[k]) && !v[k].length) && !(!indent && META_FIELDS.indexOf(k) >= 0);
      }).map(function (k) {
        return "\n" + indent + k + ":" + (isScalar(v[k]) ? " " + scalar(v[k], indent) : yaml(v[k], indent + "  "));
      }).join("");
    }
    return " " + scalar(v, indent);
  }
  function yamlLines(data, otherData) {
    var mine = yaml(data).replace(/^\n/, "").split("\n");
    var other = {};
    yaml(otherData).replace(/^\n/, "").split("\n").forEach(function (l) { other[l] = true; });
    // One block per line (no newline between them: pre would show it as an extra empty line).
    return mine.map(function (l) {
      return '<span class="line' + (other[l] ? "" : " changed") + '">' + (esc(l) || " ") + "</span>";
    }).join("");
  }

  function renderConflict() {
    var c = S.conflict;
    if (!c) { conflictBox.hidden = true; conflictBox.innerHTML = ""; return; }
    var theirs = c.theirs;
    var who = (theirs.author || "他人") + " · " + Staff.time(theirs.created_at);
    var diffs = fieldDiffs(S.model, theirs.data);
    conflictBox.hidden = false;
    form.hidden = true;
    conflictBox.innerHTML = '<div class="card conflict" data-testid="conflict" role="alert">' +
      "<h2>保存冲突：该指南已被他人修改</h2><p>" + esc(c.detail || "") + "</p>" +
      '<p class="muted">您的修改还没有保存。请比较后选择：采用对方的版本（放弃您的修改），或在知情的情况下用您的版本覆盖。</p>' +
      "<h3>不同之处（" + diffs.length + " 处）</h3>" +
      '<div class="table-wrap"><table class="data" data-testid="conflict-changes"><thead><tr><th>字段</th><th>我的修改（未保存）</th>' +
      "<th>已保存的 v" + esc(theirs.version) + "（" + esc(who) + "）</th></tr></thead><tbody>" +
      (diffs.map(function (d) {
        return "<tr><td>" + esc(pathLabel(d.field)) + '<div class="muted" style="font-size:12px">' + esc(d.field) + "</div></td>" +
          '<td class="after">' + esc(d.a) + '</td><td class="before">' + esc(d.b) + "</td></tr>";
      }).join("") || '<tr><td colspan="3" class="muted">内容相同</td></tr>') + "</tbody></table></div>" +
      '<div class="side-by-side">' +
      '<section data-testid="conflict-yours"><h3>我的修改（未保存，基于 v' + esc(S.baseVersion) + "）</h3>" +
      '<pre class="yaml">' + yamlLines(S.model, theirs.data) + "</pre></section>" +
      '<section data-testid="conflict-theirs"><h3>已保存的 v' + esc(theirs.version) + " · " + esc(who) + "</h3>" +
      '<pre class="yaml">' + yamlLines(theirs.data, S.model) + "</pre></section></div>" +
      '<div class="toolbar">' +
      '<button type="button" class="btn" data-cmd="keep-theirs" data-testid="keep-theirs">采用对方的版本（放弃我的修改）</button>' +
      '<button type="button" class="btn danger" data-cmd="overwrite" data-testid="overwrite">用我的版本覆盖 v' + esc(theirs.version) + "</button>" +
      '<button type="button" class="btn link" data-cmd="back-to-edit" data-testid="back-to-edit">返回继续编辑</button></div></div>';
    conflictBox.scrollIntoView({ block: "start" });
  }

  conflictBox.addEventListener("click", async function (e) {
    var btn = e.target.closest("button[data-cmd]");
    if (!btn || !S.conflict) return;
    var cmd = btn.getAttribute("data-cmd");
    var theirs = S.conflict.theirs;
    if (cmd === "keep-theirs") {
      S.dirty = false;
      await openGuide(S.guide.id, { force: true });
      Staff.toast("已采用 v" + theirs.version + "，您的修改已放弃", "ok");
    } else if (cmd === "overwrite") {
      S.conflict = null;
      renderConflict();
      await save(theirs.version);
    } else if (cmd === "back-to-edit") {
      S.conflict = null;
      renderConflict();
      renderForm();
    }
  });

  // ---------------------------------------------------------------- publish / withdraw / rollback

  function failureText(e, what) {
    if (e.status === 503) {
      return what + "失败：" + e.detail + (/原来的版本|原版本|仍使用/.test(e.detail) ? "" : "；线上仍使用原来的版本");
    }
    return what + "失败：" + e.detail;
  }

  async function publish() {
    if (S.dirty) { Staff.toast("有未保存的修改，请先保存草稿再发布", "error"); return; }
    var v = S.guide.draft && S.guide.draft.version;
    if (!v) return;
    if (!(await confirmBox("发布草稿 v" + v + "？发布后市民即可检索和看到新内容。", "发布"))) return;
    try {
      var r = await Staff.api(guideUrl(S.guide.id) + "/publish", { method: "POST", body: { version: v } });
      await openGuide(S.guide.id, { force: true });
      setResult("ok", "已发布 v" + (r.published_version || v) + "，约 " + Math.round(r.indexed_ms || 0) + " ms 后可检索");
      Staff.toast("已发布", "ok");
      loadList();
    } catch (e) {
      if (e.status === 422) { setResult("error", "发布失败：" + e.detail); showErrors(e); }
      else setResult("error", failureText(e, "发布"));
    }
  }

  async function withdraw() {
    if (!(await confirmBox("下线「" + guideTitle(S.model, S.kind) + "」？下线后市民将检索不到它，已有版本仍保留，可随时回滚发布。", "下线", true))) return;
    try {
      await Staff.api(guideUrl(S.guide.id) + "/withdraw", { method: "POST" });
      var id = S.guide.id;
      await openGuide(id, { force: true });
      setResult("ok", "已下线，市民将检索不到该指南");
      Staff.toast("已下线", "ok");
      loadList();
    } catch (e) {
      setResult("error", failureText(e, "下线"));
    }
  }

  async function rollback(version) {
    if (!(await confirmBox("把 v" + version + " 的内容重新发布为新版本？当前线上版本会被替换（仍保留在版本记录里）。", "回滚并发布", true))) return;
    try {
      var r = await Staff.api(guideUrl(S.guide.id) + "/rollback", { method: "POST", body: { version: version } });
      await openGuide(S.guide.id, { force: true });
      setResult("ok", "已回滚：v" + version + " 的内容已发布" + (r && r.published_version ? "为 v" + r.published_version : "") +
        (r && r.indexed_ms !== undefined ? "，约 " + Math.round(r.indexed_ms) + " ms 后可检索" : ""));
      Staff.toast("已回滚", "ok");
      loadList();
      loadVersions();
    } catch (e) {
      setResult("error", failureText(e, "回滚"));
      if (S.tab === "versions") loadVersions();
    }
  }

  head.addEventListener("click", async function (e) {
    var btn = e.target.closest("[data-cmd]");
    if (!btn) return;
    var cmd = btn.getAttribute("data-cmd");
    if (cmd === "save") save();
    else if (cmd === "publish") publish();
    else if (cmd === "withdraw") withdraw();
    else if (cmd === "wide") {
      var wide = layout.classList.toggle("list-collapsed");
      try { localStorage.setItem("navigator.editor.wide", wide ? "1" : ""); } catch (err) { /* only a preference */ }
      renderHead();
    } else if (cmd === "show-list") {
      layout.classList.add("list-open");
      document.querySelector(".list-pane").scrollIntoView({ block: "start" });
    } else if (cmd === "revert") {
      if (await confirmBox("放弃所有未保存的修改，恢复到最新保存的版本？", "放弃修改", true)) {
        S.dirty = false;
        await openGuide(S.guide.id, { force: true });
      }
    } else if (cmd === "cancel-create") {
      if (await confirmLeave()) {
        S.dirty = false;
        S.model = null;
        S.creating = false;
        setUrl({});
        clearErrors();
        renderAll();
        emptyState.querySelector("p").textContent = "请在左侧选择一份指南，或新建一份。";
      }
    }
  });

  // ---------------------------------------------------------------- tabs, versions, diff

  function selectTab(tab) {
    S.tab = tab;
    document.querySelectorAll("#tabs [data-tab]").forEach(function (b) {
      b.setAttribute("aria-selected", b.getAttribute("data-tab") === tab ? "true" : "false");
    });
    ["edit", "versions", "audit"].forEach(function (name) {
      document.getElementById("panel-" + name).hidden = name !== tab;
    });
    if (tab === "versions") loadVersions();
    if (tab === "audit") loadAudit();
  }
  document.getElementById("tabs").addEventListener("click", function (e) {
    var b = e.target.closest("[data-tab]");
    if (b) selectTab(b.getAttribute("data-tab"));
  });

  var versionsPanel = document.getElementById("panel-versions");

  async function loadVersions() {
    if (!S.guide || S.creating) {
      versionsPanel.innerHTML = '<div class="card muted">请先打开一份已保存的指南。</div>';
      return;
    }
    var id = S.guide.id;
    try {
      S.versions = await Staff.api(guideUrl(id) + "/versions");
    } catch (e) {
      versionsPanel.innerHTML = '<div class="card error-text">读取版本失败：' + esc(e.detail) + "</div>";
      return;
    }
    S.versions.sort(function (a, b) { return b.version - a.version; });
    var vs = S.versions;
    var to = vs.length ? vs[0].version : null;
    var from = vs.length > 1 ? vs[1].version : to;
    var published = S.guide.published_version;
    versionsPanel.innerHTML = '<div class="card"><h2>版本</h2>' +
      '<div class="table-wrap"><table class="data versions" data-testid="versions-table"><thead><tr>' +
      "<th>比较：从</th><th>到</th><th>版本</th><th>状态</th><th>作者</th><th>时间</th><th>说明</th><th></th></tr></thead><tbody>" +
      vs.map(function (v) {
        var canRollback = S.canPublish && v.version !== published && v.status !== "draft";
        return '<tr data-testid="version-row" data-version="' + v.version + '">' +
          '<td><input type="radio" name="diff-from" value="' + v.version + '" aria-label="从 v' + v.version + '"' + (v.version === from ? " checked" : "") + "></td>" +
          '<td><input type="radio" name="diff-to" value="' + v.version + '" aria-label="到 v' + v.version + '"' + (v.version === to ? " checked" : "") + "></td>" +
          "<td><strong>v" + v.version + "</strong></td>" +
          "<td>" + badge(v.status, STATUS_NAMES[v.status] || v.status) + "</td>" +
          "<td>" + esc(v.author || "") + "</td><td>" + esc(Staff.time(v.created_at)) + "</td>" +
          "<td>" + esc(v.comment || "") + "</td>" +
          "<td>" + (canRollback ? '<button type="button" class="btn small danger" data-rollback="' + v.version +
            '" data-testid="rollback">回滚到此版本</button>' : "") + "</td></tr>";
      }).join("") + "</tbody></table></div>" +
      '<div class="toolbar" style="margin-top:10px"><button type="button" class="btn primary" id="compare" data-testid="compare"' +
      (vs.length < 2 ? " disabled" : "") + ">比较所选的两个版本</button>" +
      (S.canPublish ? '<span class="muted" style="font-size:13px">回滚会把所选版本的内容发布为一个新版本。</span>' : "") + "</div></div>" +
      '<div id="diff-view"></div>';
    if (vs.length >= 2) loadDiff(from, to);
  }

  versionsPanel.addEventListener("click", function (e) {
    var rb = e.target.closest("[data-rollback]");
    if (rb) { rollback(Number(rb.getAttribute("data-rollback"))); return; }
    if (e.target.closest("#compare")) {
      var from = versionsPanel.querySelector("input[name=diff-from]:checked");
      var to = versionsPanel.querySelector("input[name=diff-to]:checked");
      if (!from || !to) return;
      loadDiff(Number(from.value), Number(to.value));
    }
  });

  function show(v) {
    if (v === null || v === undefined) return "（空）";
    if (typeof v === "object") {
      if (Array.isArray(v) && v.every(isScalar)) return v.join("、") || "（空）";
      return yaml(v).replace(/^\n/, "").trim();
    }
    return String(v) === "" ? "（空）" : String(v);
  }

  async function loadDiff(from, to) {
    var view = document.getElementById("diff-view");
    if (!view) return;
    var d;
    try {
      d = await Staff.api(guideUrl(S.guide.id) + "/diff?from=" + encodeURIComponent(from) + "&to=" + encodeURIComponent(to));
    } catch (e) {
      view.innerHTML = '<div class="card error-text">比较失败：' + esc(e.detail) + "</div>";
      return;
    }
    var changes = d.changes || [];
    var unified = (d.unified || "").replace(/\n$/, "").split("\n").map(function (line) {
      var cls = /^(\+\+\+|---)/.test(line) ? "meta" : line[0] === "+" ? "add" : line[0] === "-" ? "del" : line.indexOf("@@") === 0 ? "hunk" : "";
      return '<span class="line' + (cls ? " " + cls : "") + '">' + (esc(line) || " ") + "</span>";
    }).join("");
    view.innerHTML = '<div class="card" data-testid="diff"><h2>v' + esc(d.from) + " → v" + esc(d.to) + "：" + changes.length + " 处改动</h2>" +
      '<div class="table-wrap"><table class="data" data-testid="diff-changes"><thead><tr><th>字段</th><th>修改前（v' + esc(d.from) +
      "）</th><th>修改后（v" + esc(d.to) + "）</th></tr></thead><tbody>" +
      (changes.map(function (c) {
        return '<tr data-field="' + esc(c.field) + '"><td>' + esc(pathLabel(c.field)) + '<div class="muted" style="font-size:12px">' + esc(c.field) + "</div></td>" +
          '<td class="before">' + esc(show(c.before)) + '</td><td class="after">' + esc(show(c.after)) + "</td></tr>";
      }).join("") || '<tr><td colspan="3" class="muted">两个版本内容相同</td></tr>') + "</tbody></table></div>" +
      "<h3>逐行比较（YAML）</h3>" +
      (d.unified ? '<pre class="diff" data-testid="diff-unified">' + unified + "</pre>" : '<p class="muted">没有不同</p>') + "</div>";
  }

  // ---------------------------------------------------------------- audit

  var auditBody = document.querySelector("[data-testid=audit-table] tbody");
  async function loadAudit() {
    var all = document.getElementById("audit-all").checked || !S.guide || S.creating;
    var url = "/api/editor/audit?limit=200" + (all ? "" : "&guide_id=" + encodeURIComponent(S.guide.id));
    var rows;
    try {
      rows = await Staff.api(url);
    } catch (e) {
      auditBody.innerHTML = '<tr><td colspan="6" class="error-text">读取操作记录失败：' + esc(e.detail) + "</td></tr>";
      return;
    }
    auditBody.innerHTML = rows.map(function (r) {
      return '<tr data-testid="audit-row"><td>' + esc(Staff.time(r.at)) + "</td><td>" + esc(r.username || "") + "</td>" +
        "<td>" + esc(ACTION_NAMES[r.action] || r.action) + "</td><td>" + esc(r.guide_id || "") + "</td>" +
        "<td>" + (r.version ? "v" + esc(r.version) : "") + "</td><td>" + esc(typeof r.detail === "object" && r.detail ? JSON.stringify(r.detail) : r.detail || "") + "</td></tr>";
    }).join("") || '<tr><td colspan="6" class="muted">暂无记录</td></tr>';
  }
  document.getElementById("audit-all").addEventListener("change", loadAudit);

  // ---------------------------------------------------------------- import

  function count(x) {
    if (Array.isArray(x)) return x.length + (x.length ? "（" + x.map(function (g) { return typeof g === "object" ? g.id || JSON.stringify(g) : g; }).join("、") + "）" : "");
    return x === undefined || x === null ? 0 : x;
  }

  document.getElementById("import-form").addEventListener("submit", async function (e) {
    e.preventDefault();
    var file = document.getElementById("import-file").files[0];
    var out = document.querySelector("[data-testid=import-result]");
    if (!file) { out.innerHTML = '<span class="error-text">请选择要导入的 zip 文件</span>'; return; }
    var fd = new FormData();
    fd.append("file", file);
    fd.append("publish", document.getElementById("import-publish").checked ? "true" : "false");
    var submit = this.querySelector("button[type=submit]");
    submit.disabled = true;
    out.textContent = "正在导入…";
    try {
      showImport(await Staff.api("/api/editor/import", { method: "POST", body: fd }), out);
      loadList();
    } catch (err) {
      // 422: nothing was imported; the body lists every problem by file and field.
      if (err.body && Array.isArray(err.body.errors)) showImport(err.body, out, err.detail);
      else out.innerHTML = '<span class="error-text">导入失败：' + esc(err.detail) + "</span>";
    }
    submit.disabled = false;
  });

  function showImport(r, out, failure) {
    var errors = r.errors || [];
    out.innerHTML = "新建 <strong data-testid=\"import-created\">" + esc(count(r.created)) + "</strong>，" +
      "更新 <strong data-testid=\"import-updated\">" + esc(count(r.updated)) + "</strong>，" +
      "未变 <strong data-testid=\"import-unchanged\">" + esc(count(r.unchanged)) + "</strong>，" +
      "错误 <strong data-testid=\"import-errors\">" + errors.length + "</strong>" +
      (errors.length ? "<ul>" + errors.map(function (er) {
        return "<li>" + esc(typeof er === "string" ? er : [er.file || er.id || er.guide_id, er.field, er.msg || er.detail].filter(Boolean).join("：")) + "</li>";
      }).join("") + "</ul>" : "") +
      (r.published && r.published.length ? "<div>已发布：" + esc(r.published.join("、")) + "</div>" : "");
    if (failure) out.insertAdjacentHTML("afterbegin", '<div class="error-text">' + esc(failure) + "</div>");
    Staff.toast(failure ? "导入失败" : "导入完成", failure || errors.length ? "error" : "ok");
  }

  // ---------------------------------------------------------------- confirm dialog

  var dialog = document.getElementById("confirm");
  function confirmBox(message, okLabel, danger) {
    document.getElementById("confirm-text").textContent = message;
    var ok = document.getElementById("confirm-ok");
    ok.textContent = okLabel || "确定";
    ok.className = "btn " + (danger ? "danger" : "primary");
    dialog.returnValue = "";
    dialog.showModal();
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function done() {
        dialog.removeEventListener("close", done);
        resolve(dialog.returnValue === "ok");
      });
    });
  }

  window.addEventListener("beforeunload", function (e) {
    if (S.dirty) { e.preventDefault(); e.returnValue = ""; }
  });

  // ---------------------------------------------------------------- start

  try { if (localStorage.getItem("navigator.editor.wide")) layout.classList.add("list-collapsed"); } catch (e) { /* default layout */ }

  (async function start() {
    var user = await Staff.requireUser("edit");
    if (!user) return;
    S.user = user;
    S.canPublish = Staff.can(user, "publish");
    Staff.nav(user, "editor");
    main.hidden = false;
    document.getElementById("import-form").hidden = !S.canPublish;
    await loadList();
    var params = new URLSearchParams(location.search);
    var kind = params.get("new");
    if (kind && KIND_NAMES[kind]) {
      await startCreate(kind, params.get("title") || "", params.get("alias") || "");
    } else if (params.get("id")) {
      await openGuide(params.get("id"));
    }
  })();
})();
