// 热线导航台: while a caller talks, staff type what they hear; the page asks /api/console/suggest
// (debounced) and shows the matching guides, the chosen route's situation questions and the plan
// tailored to the ticked answers. A side panel lists the conversations that asked for a person.
//
// Every server string goes through Staff.esc before it reaches innerHTML.
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;
  var HANDOFF_REFRESH_MS = 15000;
  var CN_NUM = "零一二三四五六七八九十";
  var STATE_LABELS = {
    answered: ["已回答", "ok"], open: ["待询问", "warn"],
    waiting: ["取决于前面的回答", "muted"], skipped: ["按已答情况无需询问", "muted"]
  };
  var MATCH_LABELS = { clear: ["匹配明确", "ok"], ambiguous: ["有多个可能", "warn"], none: ["没有找到", "muted"] };
  var CHANNEL_LABELS = { rest: "网页", socketio: "网页组件", wechat: "微信", unknown: "未知渠道" };
  var REASON_LABELS = { requested: "市民要求转人工" };

  var state = {
    text: "",
    pinned: null,        // {kind, id}: the guide staff chose; null = follow the search
    answers: {},         // question id -> option value, for the pinned or shown route
    dismissed: {},       // question ids whose answer read from the caller's words was unticked
    seq: 0,              // number of the latest suggest request; older answers are discarded
    shown: null,         // the suggestion on screen
    timer: null,
    handoffStatus: "open",
    handoffsJson: ""
  };
  var el = {};

  function $(id) { return document.getElementById(id); }
  var esc = function (t) { return Staff.esc(t); };

  async function start() {
    var user = await Staff.requireUser("console");
    if (!user) return;
    Staff.nav(user, "console");
    el = {
      main: $("console"), text: $("caller-text"), hint: $("hint"), counter: $("counter"), timing: $("timing"),
      clear: $("clear"), match: $("match"), unpin: $("unpin"), candidates: $("candidates"),
      noCandidates: $("no-candidates"), detail: $("detail"), handoffs: $("handoff-list"),
      handoffCount: $("handoff-count"), handoffsEmpty: $("handoffs-empty")
    };
    el.main.hidden = false;
    wire();
    loadHandoffs();
    setInterval(loadHandoffs, HANDOFF_REFRESH_MS);
    el.text.focus();
  }

  function wire() {
    el.text.addEventListener("input", function () {
      state.text = el.text.value;
      el.counter.textContent = state.text.length + "/200";
      clearTimeout(state.timer);
      state.timer = setTimeout(refresh, DEBOUNCE_MS);
    });
    el.text.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); refresh(); }
    });
    el.clear.addEventListener("click", function () {
      el.text.value = "";
      state.text = "";
      state.pinned = null;
      state.answers = {};
      state.dismissed = {};
      el.counter.textContent = "0/200";
      refresh();
      el.text.focus();
    });
    el.unpin.addEventListener("click", function () {
      state.pinned = null;
      state.answers = {};
      state.dismissed = {};
      refresh();
    });
    el.candidates.addEventListener("click", function (ev) {
      var btn = ev.target.closest("button[data-id]");
      if (!btn) return;
      choose(btn.getAttribute("data-kind"), btn.getAttribute("data-id"));
    });
    el.detail.addEventListener("change", function (ev) {
      var input = ev.target;
      if (!input.matches("input[type=radio][data-question]")) return;
      var shown = state.shown;
      if (shown && shown.route && !state.pinned) state.pinned = { kind: "route", id: shown.route.id };
      state.answers[input.getAttribute("data-question")] = input.value;
      refresh();
    });
    el.detail.addEventListener("click", function (ev) {
      var clear = ev.target.closest("[data-clear-answer]");
      if (clear) {
        delete state.answers[clear.getAttribute("data-clear-answer")];
        state.dismissed[clear.getAttribute("data-clear-answer")] = true;
        refresh();
        return;
      }
      if (ev.target.closest("[data-testid=copy-brief]")) copyBrief();
    });
    document.querySelectorAll(".handoffs .tab").forEach(function (tab) {
      tab.addEventListener("click", function () {
        state.handoffStatus = tab.getAttribute("data-status");
        document.querySelectorAll(".handoffs .tab").forEach(function (t) {
          t.setAttribute("aria-selected", String(t === tab));
        });
        state.handoffsJson = "";
        loadHandoffs();
      });
    });
    $("handoffs-refresh").addEventListener("click", function () { state.handoffsJson = ""; loadHandoffs(); });
    el.handoffs.addEventListener("click", function (ev) {
      var done = ev.target.closest("[data-testid=mark-handled]");
      if (done) { markHandled(done); return; }
      var open = ev.target.closest("[data-testid=handoff-open-guide]");
      if (open) {
        choose(open.getAttribute("data-kind"), open.getAttribute("data-id"));
        el.text.focus();
      }
    });
  }

  function choose(kind, id) {
    if (!state.pinned || state.pinned.kind !== kind || state.pinned.id !== id) { state.answers = {}; state.dismissed = {}; }
    state.pinned = { kind: kind, id: id };
    refresh();
  }

  // ---- suggestions ------------------------------------------------------------------------------

  function query() {
    var params = new URLSearchParams();
    params.set("text", state.text);
    if (state.pinned) params.set(state.pinned.kind, state.pinned.id);
    if (Object.keys(state.answers).length && (!state.pinned || state.pinned.kind === "route")) {
      params.set("answers", JSON.stringify(state.answers));
    }
    if (Object.keys(state.dismissed).length) {
      params.set("ignore", Object.keys(state.dismissed).join(","));
    }
    return params;
  }

  async function refresh() {
    clearTimeout(state.timer);
    var seq = ++state.seq;
    if (!state.text.trim() && !state.pinned) {
      state.answers = {};
      state.dismissed = {};
      render(null);
      return;
    }
    var data;
    try {
      data = await Staff.api("/api/console/suggest?" + query().toString());
    } catch (e) {
      if (seq !== state.seq) return; // a newer request has been sent: this answer is stale
      failed(e);
      return;
    }
    if (seq !== state.seq) return;
    render(data);
  }

  function failed(e) {
    if (e.status === 401) { location.replace("/login?next=" + encodeURIComponent("/console")); return; }
    if (e.status === 404 && state.pinned) {
      // The chosen guide was withdrawn meanwhile: go back to following the search.
      Staff.toast(e.detail, "error");
      state.pinned = null;
      state.answers = {};
      state.dismissed = {};
      refresh();
      return;
    }
    if (e.status === 422 && Object.keys(state.answers).length) {
      Staff.toast(e.detail, "error"); // an answer no longer fits the guide (it was edited): start over
      state.answers = {};
      state.dismissed = {};
      refresh();
      return;
    }
    el.hint.textContent = e.detail;
    el.hint.className = "hint error-text";
    el.hint.setAttribute("role", "alert");
  }

  function render(data) {
    state.shown = data;
    el.hint.removeAttribute("role");
    el.hint.className = "hint";
    if (!data) {
      el.hint.textContent = "";
      el.timing.textContent = "";
      el.match.hidden = true;
      el.unpin.hidden = true;
      el.candidates.innerHTML = "";
      el.noCandidates.hidden = false;
      el.detail.innerHTML = "";
      return;
    }
    (data.route ? data.route.ignored_answers : []).forEach(function (q) { delete state.answers[q]; });
    if (data.route) state.answers = Object.assign({}, data.route.plan.answers);
    el.timing.textContent = "服务器 " + Math.round(data.server_ms) + " 毫秒";
    var chosenTitle = data.route ? data.route.name : data.item ? data.item.name : data.faq ? data.faq.question : "";
    el.hint.textContent = data.hint || (data.chosen_by === "clear" ? "已自动匹配：" + chosenTitle : "");
    var m = MATCH_LABELS[data.match];
    el.match.hidden = !data.query;
    el.match.textContent = m[0];
    el.match.className = "badge " + m[1];
    el.unpin.hidden = !state.pinned;
    renderCandidates(data);
    el.detail.innerHTML = data.route ? routeHtml(data.route, data.chosen_by) : data.item ? itemHtml(data.item, data.chosen_by)
      : data.faq ? faqHtml(data.faq, data.chosen_by) : "";
  }

  function renderCandidates(data) {
    el.noCandidates.hidden = data.candidates.length > 0;
    el.noCandidates.textContent = data.query ? "没有找到相近的办事指南，请换个说法。" :
      "输入来电内容后，这里列出最相近的 5 个“一件事”、事项或问答。";
    el.candidates.innerHTML = data.candidates.map(function (c) {
      var chosen = c.id === data.chosen_id;
      return '<li><button type="button" class="candidate kind-' + esc(c.kind) + '" data-testid="candidate" data-id="' +
        esc(c.id) + '" data-kind="' + esc(c.kind) + '" aria-pressed="' + chosen + '">' +
        '<span class="badge">' + esc(c.kind_label) + "</span>" +
        '<span class="title">' + esc(c.title) + "</span>" +
        '<span class="dept muted">' + esc(c.department) + "</span>" +
        '<span class="score muted" title="相关度">' + c.score.toFixed(3) + "</span></button></li>";
    }).join("");
    // A guide staff chose may have dropped out of the top five while they kept typing: keep it visible.
    if (data.chosen_id && !data.candidates.some(function (c) { return c.id === data.chosen_id; })) {
      el.noCandidates.hidden = true;
    }
  }

  function actionsHtml(kind, id, noticePath) {
    return '<div class="toolbar actions">' +
      '<a class="btn primary" data-testid="open-notice" target="_blank" rel="noopener" href="' + esc(noticePath) +
      '">打开一次性告知单（可打印）</a>' +
      '<button type="button" class="btn" data-testid="copy-brief" data-kind="' + esc(kind) + '" data-id="' + esc(id) +
      '">复制发给来电人的短信</button></div>' +
      '<div class="brief" data-testid="brief" hidden><label class="muted" for="brief-text">发给来电人的文字' +
      '（短信 / 微信，已复制到剪贴板）</label><textarea id="brief-text" data-testid="brief-text" readonly rows="8">' +
      "</textarea></div>";
  }

  function chosenBadge(by) {
    return by === "param" ? '<span class="badge ok">已选定</span>' : '<span class="badge">自动匹配</span>';
  }

  function days(n) { return n === 0 ? "当场办结" : n + " 个工作日"; }

  function routeHtml(r, by) {
    var p = r.plan;
    var html = '<section class="card route" data-testid="route-detail" data-route="' + esc(r.id) + '">' +
      '<div class="toolbar"><h2 data-testid="route-name">' + esc(r.name) + "</h2>" + chosenBadge(by) +
      '<span class="badge">一件事</span></div>' +
      '<p class="muted">' + esc(r.summary) + "</p>" + actionsHtml("route", r.id, r.notice_path);
    if (r.questions.length) {
      html += '<h3>情形问题 <span class="muted small">（问来电人，勾选答案，路线随之调整）</span></h3>' +
        '<div class="questions" data-testid="questions">' + r.questions.map(questionHtml).join("") + "</div>";
    }
    html += planHtml(r, p) + "</section>";
    return html;
  }

  function questionHtml(q) {
    var label = STATE_LABELS[q.state];
    var disabled = q.state === "waiting" || q.state === "skipped";
    return '<fieldset class="question state-' + esc(q.state) + '" data-testid="question" data-question="' + esc(q.id) +
      '" data-state="' + esc(q.state) + '"' + (disabled ? " disabled" : "") + ">" +
      "<legend>" + esc(q.text) + ' <span class="badge ' + label[1] + '">' + label[0] + "</span>" +
      (q.from_text ? ' <span class="badge info" data-testid="from-text" title="从来电内容中读出，可点“清除”取消">来电中提到</span>' : "") +
      "</legend>" +
      (q.help ? '<p class="help muted">' + esc(q.help) + "</p>" : "") +
      '<div class="options">' + q.options.map(function (o) {
        return '<label class="option"><input type="radio" name="q-' + esc(q.id) + '" value="' + esc(o.value) +
          '" data-testid="option" data-question="' + esc(q.id) + '" data-value="' + esc(o.value) + '"' +
          (q.answer === o.value ? " checked" : "") + "> " + esc(o.label) + "</label>";
      }).join("") +
      (q.answer ? '<button type="button" class="btn small link" data-clear-answer="' + esc(q.id) + '">清除</button>' : "") +
      "</div></fieldset>";
  }

  function planHtml(r, p) {
    var law = p.total_statutory_days !== null ? "；按法定时限最长 " + days(p.total_statutory_days) : "";
    var html = '<div class="plan" data-testid="plan"><h3>办理路线 ' +
      (r.complete ? '<span class="badge ok" data-testid="plan-status">已按情况定制</span>'
        : '<span class="badge warn" data-testid="plan-status">尚有 ' + r.unanswered.length + " 个情况未确认</span>") +
      "</h3>" +
      '<p class="plan-summary" data-testid="plan-summary">共 <b>' + p.steps.length + "</b> 步 · 并联办理最快约 <b>" +
      esc(days(p.total_promised_days)) + "</b>（逐项相加 " + p.sum_promised_days + " 个工作日" + esc(law) +
      "）· 最多跑 <b>" + p.visits + "</b> 次</p>";
    if (r.pending_steps.length) {
      var questions = {};
      r.questions.forEach(function (q) { questions[q.id] = q.text; });
      html += '<p class="pending" data-testid="pending-steps">问清情况后再定：' + r.pending_steps.map(function (s) {
        return esc(s.title) + "（取决于：" + s.depends_on_questions.map(function (q) { return esc(questions[q] || q); })
          .join("、") + "）";
      }).join("；") + "</p>";
    }
    html += p.phases.map(function (phase, i) {
      var steps = p.steps.filter(function (s) { return phase.indexOf(s.number) >= 0; });
      return '<div class="phase" data-testid="phase"><div class="phase-title">第' + (i < 10 ? CN_NUM[i + 1] : i + 1) + "批" +
        (steps.length > 1 ? "（可同时办理）" : "") + "</div><ol class=\"steps\">" + steps.map(stepHtml).join("") + "</ol></div>";
    }).join("");
    if (!p.steps.length) html += '<p class="muted">按目前的回答，暂无需要办理的步骤。</p>';
    html += departmentsHtml(r.departments) + materialsHtml(p) + extrasHtml(p);
    return html + "</div>";
  }

  function stepHtml(s) {
    var badges = (s.critical ? '<span class="badge warn" title="决定总时长的步骤">关键路径</span>' : "") +
      (s.fully_online ? '<span class="badge ok">可全程网办</span>' : s.online ? '<span class="badge ok">可网上申请</span>' : "") +
      (s.delivery.indexOf("免费邮寄") >= 0 ? '<span class="badge">结果免费邮寄</span>' : "");
    var law = s.statutory_days !== null ? "（法定 " + days(s.statutory_days) + "）" : "";
    return '<li class="plan-step" data-testid="plan-step" data-step="' + esc(s.id) + '" data-item="' + esc(s.item_id) + '">' +
      '<div class="step-title"><b>' + s.number + ". " + esc(s.title) + "</b> " + badges + "</div>" +
      '<div class="step-where">' + esc(s.department) + (s.window ? " · 窗口 " + esc(s.window) : "") + " · " +
      esc(s.address) + "</div>" +
      '<div class="step-time muted">' + (s.promised_days === 0 ? "当场办结" : "承诺 " + days(s.promised_days)) + esc(law) +
      " · " + esc(s.fee) + " · 到现场 " + s.visits + " 次" +
      (s.depends_on.length ? " · 需先完成第 " + s.depends_on.map(function (d) { return esc(stepNumber(d)); }).join("、") + " 步" : "") +
      "</div>" + (s.note ? '<div class="step-note muted">' + esc(s.note) + "</div>" : "") + "</li>";
  }

  function stepNumber(stepId) {
    var r = state.shown && state.shown.route;
    var found = r ? r.plan.steps.filter(function (s) { return s.id === stepId; })[0] : null;
    return found ? String(found.number) : stepId;
  }

  function departmentsHtml(deps) {
    if (!deps.length) return "";
    return '<h3>涉及部门和窗口</h3><div class="table-wrap"><table class="data" data-testid="departments"><thead><tr>' +
      "<th>部门</th><th>步骤</th><th>窗口</th><th>地点</th></tr></thead><tbody>" + deps.map(function (d) {
        return "<tr><td>" + esc(d.department) + "</td><td>第 " + d.steps.join("、") + " 步</td><td>" +
          esc(d.windows.join("；") || "—") + "</td><td>" + esc(d.addresses.join("；")) + "</td></tr>";
      }).join("") + "</tbody></table></div>";
  }

  function materialNote(m) {
    if (m.provided_by_step) return '<span class="badge ok">第 ' + m.provided_by_step + " 步办结后取得，无需自备</span>";
    var parts = [];
    if (m.necessity === "容缺") parts.push('<span class="badge warn">可容缺，受理后 ' + m.deferral_days + " 个工作日内补交</span>");
    else if (m.necessity === "情形") parts.push('<span class="badge">' + esc(m.condition || "视情形") + "</span>");
    if (m.commitment) parts.push('<span class="badge">可用告知承诺书代替</span>');
    return parts.join(" ");
  }

  function materialsHtml(p) {
    if (!p.materials.length) return "";
    var own = p.materials.filter(function (m) { return !m.provided_by_step; }).length;
    return "<h3>材料清单 <span class=\"muted small\">（同一材料只交一次，需自备 " + own + " 项）</span></h3>" +
      '<div class="table-wrap"><table class="data" data-testid="materials"><thead><tr><th>材料</th><th>形式</th>' +
      "<th>用于</th><th>说明</th></tr></thead><tbody>" + p.materials.map(function (m) {
        return '<tr data-testid="material"><td>' + esc(m.name) + "</td><td>" + esc(m.form) +
          (m.copies > 1 ? " ×" + m.copies : "") + "</td><td>第 " + m.steps.join("、") + " 步</td><td>" +
          materialNote(m) + "</td></tr>";
      }).join("") + "</tbody></table></div>";
  }

  function extrasHtml(p) {
    var lines = [];
    if (p.deferrable.length) {
      lines.push('<li data-testid="deferrable"><b>容缺受理</b>（先受理、后补交）：' + p.deferrable.map(function (m) {
        return esc(m.name) + "（" + m.deferral_days + " 个工作日内）";
      }).join("；") + "</li>");
    }
    lines.push('<li data-testid="online"><b>网上办理</b>：' + (p.online_steps.length ? "第 " + p.online_steps.join("、") + " 步可网上办理"
      : "各步骤需到窗口办理") + (p.mailable_steps.length ? "；第 " + p.mailable_steps.join("、") + " 步结果可免费邮寄" : "") + "</li>");
    lines.push("<li><b>收费</b>：" + (p.fees.length ? esc(p.fees.join("；")) : "以上事项均不收费") + "</li>");
    p.notes.forEach(function (n) { lines.push('<li class="muted">' + esc(n) + "</li>"); });
    return '<h3>提醒来电人</h3><ul class="extras">' + lines.join("") + "</ul>";
  }

  function itemHtml(it, by) {
    var facts = [
      ["办理部门", it.department], ["办理地点", it.place], ["办理时间", it.hours], ["咨询电话", it.phone],
      ["时限", it.time], ["收费", it.fee + (it.fee_basis ? "（依据：" + it.fee_basis + "）" : "")],
      ["网上办理", it.online], ["办理结果", it.result + "（" + it.delivery.join("、") + "）"]
    ];
    return '<section class="card item" data-testid="item-detail" data-item="' + esc(it.id) + '">' +
      '<div class="toolbar"><h2 data-testid="item-name">' + esc(it.name) + "</h2>" + chosenBadge(by) +
      '<span class="badge">' + esc(it.type) + "</span></div>" +
      (it.summary ? '<p class="muted">' + esc(it.summary) + "</p>" : "") + actionsHtml("item", it.id, it.notice_path) +
      '<dl class="facts">' + facts.map(function (f) { return "<dt>" + f[0] + "</dt><dd>" + esc(f[1]) + "</dd>"; }).join("") + "</dl>" +
      (it.conditions.length ? "<h3>受理条件</h3><ol>" + it.conditions.map(function (c) { return "<li>" + esc(c) + "</li>"; }).join("") + "</ol>" : "") +
      "<h3>材料（" + it.materials.length + " 项）</h3>" +
      (it.materials.length ? '<div class="table-wrap"><table class="data" data-testid="materials"><thead><tr><th>材料</th><th>形式</th><th>说明</th></tr></thead><tbody>' +
        it.materials.map(function (m) {
          return '<tr data-testid="material"><td>' + esc(m.name) + "</td><td>" + esc(m.form) + (m.copies > 1 ? " ×" + m.copies : "") +
            "</td><td>" + materialNote(m) + "</td></tr>";
        }).join("") + "</tbody></table></div>" : '<p class="muted">无需提交材料。</p>') +
      "</section>";
  }

  function faqHtml(f, by) {
    return '<section class="card faq" data-testid="faq-detail"><div class="toolbar"><h2>' + esc(f.question) + "</h2>" +
      chosenBadge(by) + '<span class="badge">问答</span></div><p class="answer">' + esc(f.answer) + "</p></section>";
  }

  async function copyBrief() {
    var shown = state.shown;
    var kind = shown && shown.chosen_kind;
    if (kind !== "route" && kind !== "item") return;
    var params = new URLSearchParams();
    params.set(kind, shown.chosen_id);
    if (kind === "route" && Object.keys(state.answers).length) params.set("answers", JSON.stringify(state.answers));
    var data;
    try {
      data = await Staff.api("/api/console/brief?" + params.toString());
    } catch (e) {
      Staff.toast(e.detail, "error");
      return;
    }
    var box = el.detail.querySelector("[data-testid=brief]");
    var text = el.detail.querySelector("[data-testid=brief-text]");
    box.hidden = false;
    text.value = data.text;
    var copied = false;
    try {
      await navigator.clipboard.writeText(data.text);
      copied = true;
    } catch (e) {
      text.select(); // plain http or a denied permission: fall back to the selection
      try { copied = document.execCommand("copy"); } catch (e2) { copied = false; }
    }
    Staff.toast(copied ? "已复制（" + data.length + " 字），可粘贴到短信或微信发给来电人"
      : "浏览器不允许自动复制，请在下方文字框中手动复制", copied ? "ok" : "error");
  }

  // ---- handoffs ----------------------------------------------------------------------------------

  async function loadHandoffs() {
    var status = state.handoffStatus;
    var list;
    try {
      list = await Staff.api("/api/console/handoffs?status=" + status);
    } catch (e) {
      if (e.status === 401) { location.replace("/login?next=" + encodeURIComponent("/console")); return; }
      Staff.toast("转人工列表刷新失败：" + e.detail, "error");
      return;
    }
    if (status !== state.handoffStatus) return; // the tab changed while loading
    if (status === "open") el.handoffCount.textContent = String(list.length);
    var json = JSON.stringify(list);
    if (json === state.handoffsJson) return; // unchanged: keep scroll positions and focus
    state.handoffsJson = json;
    el.handoffsEmpty.hidden = list.length > 0;
    el.handoffsEmpty.textContent = status === "open" ? "暂无待处理的转人工请求" : "暂无已处理的记录";
    el.handoffs.innerHTML = list.map(handoffHtml).join("");
  }

  function handoffHtml(h) {
    var lines = h.transcript.map(function (l) {
      var citizen = l.who === "市民";
      return '<li class="' + (citizen ? "citizen" : "bot") + '"><b>' + esc(l.who || "—") + "</b>" + esc(l.text) + "</li>";
    }).join("");
    var guide = h.guide_title && h.guide_kind !== "faq" ? '<div class="guide">正在咨询：' + esc(h.guide_title) +
      ' <button type="button" class="btn small link" data-testid="handoff-open-guide" data-kind="' + esc(h.guide_kind) +
      '" data-id="' + esc(h.guide_id) + '">在导航台打开</button></div>' : "";
    var footer = h.status === "open"
      ? '<button type="button" class="btn small primary" data-testid="mark-handled" data-id="' + h.id + '">标记已处理</button>'
      : '<div class="muted small" data-testid="handled-by">由 ' + esc(h.handled_by_name || h.handled_by || "—") + " 于 " +
        esc(Staff.time(h.handled_at)) + " 处理" + (h.note ? "：" + esc(h.note) : "") + "</div>";
    return '<li class="handoff" data-testid="handoff" data-id="' + h.id + '" data-conversation="' + esc(h.conversation_id) + '">' +
      '<div class="handoff-head"><b>' + esc(Staff.time(h.created_at)) + "</b>" +
      '<span class="badge">' + esc(CHANNEL_LABELS[h.channel] || h.channel || "未知渠道") + "</span>" +
      '<span class="muted small">' + esc(REASON_LABELS[h.reason] || h.reason || "") + "</span></div>" + guide +
      (lines ? '<ol class="transcript" data-testid="handoff-transcript" aria-label="对话记录">' + lines + "</ol>"
        : '<p class="muted small">' + esc(h.text || "（没有对话记录）") + "</p>") +
      '<div class="muted small conv">会话 ' + esc(h.conversation_id) + "</div>" + footer + "</li>";
  }

  async function markHandled(button) {
    button.disabled = true;
    try {
      await Staff.api("/api/console/handoffs/" + encodeURIComponent(button.getAttribute("data-id")) + "/handled",
        { method: "POST", body: {} });
      Staff.toast("已标记为已处理", "ok");
    } catch (e) {
      Staff.toast(e.detail, "error");
      button.disabled = false;
    }
    state.handoffsJson = "";
    loadHandoffs();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
