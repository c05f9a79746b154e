// 知识缺口与评议: the editors' reports page.
//
// Tab 知识缺口: GET /api/reports/gaps — groups of similar unanswered questions; per group one click
// adds the question as an alias of the nearest guide (POST /api/editor/guides/{id}/aliases, a new
// draft) or starts a new guide in the editor (/editor?new=item&title=…).
// Tab 评议: GET /api/reports/ratings — average, count and share of low ratings per guide, with a
// small SVG bar chart per week or month (no chart library).
(function () {
  "use strict";

  var REASONS = { no_match: "找不到", ambiguous: "多个候选", unanswered: "指南没写到", handoff: "转人工", low_rating: "低分评议" };
  var EXAMPLE_REASONS = {
    no_match: "找不到", ambiguous: "多个候选", unanswered: "指南没写到", requested: "要求转人工",
    repeated_misunderstanding: "多次未听懂转人工", low_rating: "低分评议"
  };
  var KINDS = { item: "事项", route: "一件事", faq: "问答" };
  var MATCH = {
    clear: "现在已能直接检索到这份指南",
    ambiguous: "检索时是候选之一，添加别名可让它直接命中",
    none: "检索不到相关指南，可能需要新建"
  };
  var ALIAS_MAX = 64; // the editor API's limit for one alias

  var user = null;
  var ratingsLoaded = false;
  var ratingsData = null;
  var $ = function (id) { return document.getElementById(id); };
  var esc = function (t) { return Staff.esc(t); };

  // ---- tabs ----
  function selectTab(name, focus) {
    ["gaps", "ratings"].forEach(function (n) {
      var tab = $("tab-" + n), panel = $("panel-" + n), on = n === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      panel.hidden = !on;
      if (on && focus) tab.focus();
    });
    if (history.replaceState) history.replaceState(null, "", name === "ratings" ? "#ratings" : location.pathname);
    if (name === "ratings" && !ratingsLoaded) loadRatings();
  }

  function wireTabs() {
    $("tab-gaps").addEventListener("click", function () { selectTab("gaps"); });
    $("tab-ratings").addEventListener("click", function () { selectTab("ratings"); });
    document.querySelector("[role=tablist]").addEventListener("keydown", function (e) {
      if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
      selectTab($("tab-gaps").getAttribute("aria-selected") === "true" ? "ratings" : "gaps", true);
      e.preventDefault();
    });
  }

  // ---- 知识缺口 ----
  async function loadGaps() {
    var days = $("gap-days").value;
    $("gap-summary").textContent = "正在统计…";
    $("gap-refresh").disabled = true;
    try {
      var report = await Staff.api("/api/reports/gaps?days=" + encodeURIComponent(days));
      renderGaps(report);
    } catch (e) {
      $("gap-summary").textContent = "统计失败：" + e.detail;
      Staff.toast("知识缺口统计失败：" + e.detail, "error");
    } finally {
      $("gap-refresh").disabled = false;
    }
  }

  function renderGaps(report) {
    var list = $("gap-list");
    list.innerHTML = "";
    var range = "近 " + report.days + " 天";
    $("gap-summary").textContent = report.events
      ? range + "共 " + report.events + " 次未答好的提问，归为 " + report.groups_total + " 组" +
        (report.groups_total > report.groups.length ? "（显示前 " + report.groups.length + " 组）" : "") +
        (report.without_question ? "；另有 " + report.without_question + " 次（转人工或低分）看不出具体问题" : "") + "。"
      : range + "没有未答好的提问。";
    $("gap-empty").hidden = report.groups.length > 0;
    $("gap-empty").textContent = range + "没有需要补充的知识缺口。";
    report.groups.forEach(function (g, i) { list.appendChild(groupCard(g, i)); });
  }

  function groupCard(g, index) {
    var li = document.createElement("li");
    li.className = "card gap-group";
    li.setAttribute("data-testid", "gap-group");
    var reasons = Object.keys(REASONS).filter(function (k) { return g.reasons[k]; }).map(function (k) {
      return '<span class="badge reason-' + k + '">' + REASONS[k] + " " + g.reasons[k] + "</span>";
    }).join(" ");
    var nearest = g.nearest;
    var nearestHtml = nearest
      ? '最接近的现有指南：<a href="/editor?id=' + encodeURIComponent(nearest.id) + '" data-testid="gap-nearest-link">' +
        esc(nearest.title) + "</a>（" + esc(KINDS[nearest.kind] || nearest.kind) + "）" +
        '<span class="match match-' + esc(nearest.match) + '"> · ' + esc(MATCH[nearest.match] || "") + "</span>"
      : "没有找到相近的指南";
    var canEdit = Staff.can(user, "edit");
    var tooLong = g.question.length > ALIAS_MAX;
    // When the search finds nothing related, writing a new guide is the likelier remedy.
    var aliasFirst = nearest && nearest.match !== "none" && !tooLong;
    li.innerHTML =
      '<div class="gap-head">' +
        '<span class="rank">' + (index + 1) + "</span>" +
        '<h2 class="gap-question" data-testid="gap-question">' + esc(g.question) + "</h2>" +
        '<span class="gap-count" data-testid="gap-count" title="次数">' + g.count + " 次</span>" +
      "</div>" +
      '<p class="gap-meta">' +
        '<span data-testid="gap-conversations">' + g.conversations + " 个会话</span>" +
        (g.wordings > 1 ? "<span>" + g.wordings + " 种问法</span>" : "") +
        '<span data-testid="gap-reasons">' + reasons + "</span>" +
        '<span class="muted">首次 ' + esc(Staff.time(g.first_seen)) + " · 最近 " + esc(Staff.time(g.last_seen)) + "</span>" +
      "</p>" +
      '<p class="gap-nearest" data-testid="gap-nearest">' + nearestHtml + "</p>" +
      (canEdit ? '<div class="toolbar gap-actions">' +
        (nearest ? '<button type="button" class="btn small' + (aliasFirst ? " primary" : "") + '" data-testid="gap-add-alias"' +
          (tooLong ? ' disabled title="问题超过 ' + ALIAS_MAX + ' 字，不能直接作为别名"' : "") +
          ">添加为别名</button>" : "") +
        '<a class="btn small' + (aliasFirst ? "" : " primary") + '" data-testid="gap-new-guide" href="/editor?new=item&amp;title=' +
          encodeURIComponent(g.question) + '">新建指南</a>' +
      "</div>" : "") +
      '<p class="gap-result" data-testid="gap-alias-result" role="status" hidden></p>' +
      '<details class="gap-examples" data-testid="gap-examples">' +
        "<summary>查看示例（" + g.examples.length + " 条" + (g.count > g.examples.length ? "，共 " + g.count + " 次" : "") + "）</summary>" +
        "<ul>" + g.examples.map(exampleItem).join("") + "</ul>" +
      "</details>";
    var button = li.querySelector("[data-testid=gap-add-alias]");
    if (button) button.addEventListener("click", function () { addAlias(g, li, button); });
    return li;
  }

  function exampleItem(e) {
    return '<li data-testid="gap-example"><time datetime="' + esc(e.at) + '">' + esc(Staff.time(e.at)) + "</time>" +
      '<span class="badge">' + esc(EXAMPLE_REASONS[e.reason] || e.reason) +
      (e.rating ? " " + e.rating + " 分" : "") + "</span>" +
      '<span class="example-text">' + esc(e.text) + "</span>" +
      (e.about ? '<span class="muted" data-testid="gap-example-about">（追问「' + esc(e.about) + "」）</span>" : "") + "</li>";
  }

  async function addAlias(g, li, button) {
    var result = li.querySelector("[data-testid=gap-alias-result]");
    var guide = g.nearest;
    button.disabled = true;
    result.hidden = false;
    result.className = "gap-result";
    result.textContent = "正在添加…";
    try {
      var saved = await Staff.api("/api/editor/guides/" + encodeURIComponent(guide.id) + "/aliases",
        { method: "POST", body: { alias: g.question } });
      result.className = "gap-result ok";
      result.innerHTML = "已在「" + esc(guide.title) + "」的草稿（第 " + esc(saved.version) + " 版）中加入" +
        (guide.kind === "faq" ? "问法" : "别名") + "「" + esc(g.question) + "」，审核发布后生效。" +
        ' <a href="/editor?id=' + encodeURIComponent(guide.id) + '" data-testid="gap-open-draft">在指南维护中查看</a>';
      button.textContent = "已添加";
      Staff.toast("已生成草稿：「" + guide.title + "」第 " + saved.version + " 版", "ok");
    } catch (e) {
      result.className = "gap-result error";
      result.textContent = "未能添加：" + e.detail;
      button.disabled = e.status === 409; // already a name or alias: nothing more to do here
      Staff.toast("未能添加别名：" + e.detail, "error");
    }
  }

  // ---- 评议 ----
  async function loadRatings() {
    ratingsLoaded = true;
    var period = $("rating-period").value, days = $("rating-days").value;
    $("rating-overall").textContent = "正在统计…";
    try {
      ratingsData = await Staff.api("/api/reports/ratings?period=" + encodeURIComponent(period) +
        "&days=" + encodeURIComponent(days));
      renderRatings();
    } catch (e) {
      $("rating-overall").textContent = "统计失败：" + e.detail;
      Staff.toast("评议统计失败：" + e.detail, "error");
    }
  }

  function fmtAvg(v) { return v === null || v === undefined ? "—" : Number(v).toFixed(2); }
  function fmtShare(v) { return v === null || v === undefined ? "—" : Math.round(v * 100) + "%"; }

  function renderRatings() {
    var r = ratingsData, unit = r.period === "week" ? "周" : "月";
    document.querySelectorAll(".period-word").forEach(function (el) { el.textContent = unit; });
    var o = r.overall;
    $("rating-overall").innerHTML =
      "<h2>全部评议（近 " + r.days + " 天）</h2>" +
      '<div class="overall-figures">' +
        '<div><span class="figure" data-testid="overall-average">' + fmtAvg(o.average) + "</span><span class=\"muted\">平均分</span></div>" +
        '<div><span class="figure" data-testid="overall-count">' + o.count + "</span><span class=\"muted\">评议数</span></div>" +
        '<div><span class="figure" data-testid="overall-low">' + fmtShare(o.low_share) + "</span><span class=\"muted\">低分（1–2 分）占比</span></div>" +
        '<div class="overall-chart">' + spark(o.series, unit, true) + "</div>" +
      "</div>" +
      (r.without_guide ? '<p class="muted">其中 ' + r.without_guide + " 条评议发生时没有在看具体指南，只计入总体。</p>" : "");
    var rows = r.guides.slice();
    var sort = $("rating-sort").value;
    var avg = function (g) { return g.average === null ? 9 : g.average; };
    if (sort === "average") rows.sort(function (a, b) { return avg(a) - avg(b) || b.count - a.count; });
    if (sort === "low") rows.sort(function (a, b) { return (b.low_share || 0) - (a.low_share || 0) || b.count - a.count; });
    var body = document.querySelector("[data-testid=rating-table] tbody");
    body.innerHTML = rows.map(function (g) {
      var title = g.published
        ? '<a href="/editor?id=' + encodeURIComponent(g.id) + '">' + esc(g.title) + "</a>"
        : esc(g.title) + ' <span class="badge withdrawn">已下线</span>';
      var low = g.low_share !== null && g.low_share >= 0.3;
      return '<tr data-testid="rating-row" data-guide="' + esc(g.id) + '">' +
        '<td data-testid="rating-title">' + title + "</td>" +
        "<td>" + esc(KINDS[g.kind] || "—") + "</td>" +
        '<td class="num" data-testid="rating-count">' + g.count + "</td>" +
        '<td class="num" data-testid="rating-average">' + fmtAvg(g.average) + "</td>" +
        '<td class="num' + (low ? " error-text" : "") + '" data-testid="rating-low">' + fmtShare(g.low_share) + "</td>" +
        "<td>" + spark(g.series, unit, false) + "</td></tr>";
    }).join("");
    $("rating-empty").hidden = rows.length > 0;
  }

  // One bar per period, its height the period's average (1–5 分); an empty period is a grey tick.
  function spark(series, unit, large) {
    var w = large ? 14 : 9, gap = large ? 3 : 2, h = large ? 48 : 26, n = series.length;
    var width = Math.max(1, n * (w + gap) - gap);
    var bars = series.map(function (p, i) {
      var x = i * (w + gap);
      var tip = p.label + "：" + (p.count ? p.count + " 条，平均 " + fmtAvg(p.average) + " 分" +
        (p.low ? "，低分 " + p.low + " 条" : "") : "没有评议");
      if (!p.count) {
        return '<rect class="empty" x="' + x + '" y="' + (h - 2) + '" width="' + w + '" height="2"><title>' +
          esc(tip) + "</title></rect>";
      }
      var bh = Math.max(2, Math.round((p.average / 5) * (h - 2)));
      var tone = p.average >= 4 ? "good" : p.average >= 3 ? "fair" : "poor";
      return '<rect class="' + tone + '" data-testid="spark-bar" data-count="' + p.count + '" x="' + x + '" y="' +
        (h - bh) + '" width="' + w + '" height="' + bh + '"><title>' + esc(tip) + "</title></rect>";
    }).join("");
    var rated = series.filter(function (p) { return p.count; }).length;
    return '<svg class="spark' + (large ? " large" : "") + '" data-testid="rating-spark" role="img" width="' + width +
      '" height="' + h + '" viewBox="0 0 ' + width + " " + h + '" aria-label="共 ' + n + " " + unit + "，其中 " + rated +
      " " + unit + '有评议">' + bars + "</svg>";
  }

  // ---- start ----
  async function start() {
    user = await Staff.requireUser("reports");
    if (!user) return;
    Staff.nav(user, "reports");
    $("reports-main").hidden = false;
    wireTabs();
    $("gap-days").addEventListener("change", loadGaps);
    $("gap-refresh").addEventListener("click", loadGaps);
    $("rating-period").addEventListener("change", loadRatings);
    $("rating-days").addEventListener("change", loadRatings);
    $("rating-sort").addEventListener("change", function () { if (ratingsData) renderRatings(); });
    if (location.hash === "#ratings") selectTab("ratings");
    loadGaps();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
