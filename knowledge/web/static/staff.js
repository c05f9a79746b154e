// The staff shell shared by every staff page: who is signed in, the top bar, JSON calls, toasts.
//
//   const user = await Staff.requireUser("console");  // not signed in → /login?next=…; role lacks it → 无权限, null
//   Staff.nav(user, "console");                        // top bar with the pages this role may open
//   const data = await Staff.api("/api/…", {method, body});   // throws Staff.ApiError{status, detail, body}
//   Staff.toast("已发布", "ok" | "error");
//   Staff.esc(text)                                    // HTML escaping for template strings
//
// What a user may do comes from the server (`capabilities` of /api/auth/me and of the sign-in answer,
// knowledge/api/auth.py); it only decides what the page *offers*: the server checks every call.
(function () {
  "use strict";

  var ROLE_NAMES = { admin: "管理员", reviewer: "审核员", editor: "编辑", staff: "坐席" };
  var PAGES = [
    { key: "console", href: "/console", label: "热线导航台", cap: "console" },
    { key: "editor", href: "/editor", label: "指南维护", cap: "edit" },
    { key: "reports", href: "/reports", label: "知识缺口与评议", cap: "reports" },
    { key: "users", href: "/admin/users", label: "用户管理", cap: "users" }
  ];
  var STATUS_TEXT = {
    0: "网络连接失败，请检查网络后重试",
    400: "请求有误",
    401: "请先登录",
    403: "无权限进行此操作",
    404: "没有找到",
    409: "内容已被他人修改",
    413: "上传的文件太大",
    422: "提交的内容有误",
    429: "尝试过多，请稍后再试",
    500: "服务器出错，请稍后再试",
    502: "服务暂时不可用，请稍后再试",
    503: "服务暂时不可用，请稍后再试"
  };

  function ApiError(status, detail, body) {
    var err = new Error(detail);
    Object.setPrototypeOf(err, ApiError.prototype);
    err.name = "ApiError";
    err.status = status;
    err.detail = detail;
    err.body = body;
    return err;
  }
  ApiError.prototype = Object.create(Error.prototype);
  ApiError.prototype.constructor = ApiError;

  function esc(text) {
    return String(text === null || text === undefined ? "" : text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  // A readable Chinese sentence for any error body: our APIs send {"detail": "…"}; FastAPI's own
  // request validation sends {"detail": [{loc, msg}, …]} in English, which staff should not see raw.
  function detailText(status, body) {
    if (body && typeof body === "object") {
      if (typeof body.detail === "string" && body.detail) return body.detail;
      if (Array.isArray(body.detail) && body.detail.length) {
        var loc = body.detail[0].loc || [];
        return "提交的内容格式有误（" + loc.filter(function (p) { return p !== "body"; }).join(".") + "）";
      }
    }
    return STATUS_TEXT[status] || (status >= 500 ? STATUS_TEXT[500] : "请求失败（" + status + "）");
  }

  async function api(path, opts) {
    opts = opts || {};
    var headers = Object.assign({ Accept: "application/json" }, opts.headers || {});
    var body = opts.body;
    var plain = body === undefined || body === null || typeof body === "string" ||
      body instanceof FormData || body instanceof Blob || body instanceof URLSearchParams;
    if (!plain) {
      body = JSON.stringify(body);
      headers["Content-Type"] = "application/json";
    }
    var resp;
    try {
      resp = await fetch(path, {
        method: opts.method || (body === undefined || body === null ? "GET" : "POST"),
        headers: headers,
        body: body === null ? undefined : body,
        credentials: "same-origin",
        cache: "no-store"
      });
    } catch (e) {
      throw ApiError(0, STATUS_TEXT[0], null);
    }
    var type = resp.headers.get("content-type") || "";
    var data = null;
    if (type.indexOf("json") >= 0) {
      try { data = await resp.json(); } catch (e) { data = null; }
    } else if (resp.status !== 204) {
      data = await resp.text();
    }
    if (!resp.ok) throw ApiError(resp.status, detailText(resp.status, data), data);
    return data;
  }

  function can(user, cap) {
    return !!user && Array.isArray(user.capabilities) && user.capabilities.indexOf(cap) >= 0;
  }

  function roleName(role) { return ROLE_NAMES[role] || role || ""; }

  // The first page this user may open, in this order: where sign-in sends them and where 无权限 points.
  var HOME_ORDER = ["users", "editor", "console"];
  function homeFor(user) {
    for (var i = 0; i < HOME_ORDER.length; i++) {
      var page = PAGES.filter(function (p) { return p.key === HOME_ORDER[i]; })[0];
      if (can(user, page.cap)) return page.href;
    }
    return "/login";
  }

  function loginUrl() {
    return "/login?next=" + encodeURIComponent(location.pathname + location.search + location.hash);
  }

  function blockPage(html) {
    var old = document.querySelector(".staff-denied");
    if (old) old.remove();
    var box = document.createElement("section");
    box.className = "staff-denied";
    box.setAttribute("role", "alert");
    box.setAttribute("data-testid", "no-permission");
    box.innerHTML = html;
    var top = document.querySelector(".staff-top");
    if (top) top.after(box); else document.body.prepend(box);
    document.body.classList.add("staff-blocked");
    return box;
  }

  async function requireUser(cap) {
    var user;
    try {
      user = await api("/api/auth/me");
    } catch (e) {
      if (e.status === 401) {
        location.replace(loginUrl());
        return new Promise(function () {}); // the page is leaving: nothing after the await may run
      }
      var box = blockPage("<h1>暂时无法确认登录状态</h1><p>" + esc(e.detail) + "</p>" +
        '<p><button type="button" class="btn primary">重试</button></p>');
      box.setAttribute("data-testid", "auth-unavailable");
      box.querySelector("button").addEventListener("click", function () { location.reload(); });
      return null;
    }
    if (cap && !can(user, cap)) {
      if (!document.querySelector(".staff-top")) nav(user, null);
      var home = homeFor(user);
      blockPage("<h1>无权限</h1><p>您的账号（" + esc(user.display_name || user.username) + "，角色：" +
        esc(roleName(user.role)) + "）无权使用此页面。</p>" +
        (home !== "/login" && home !== location.pathname
          ? '<p><a class="btn primary" href="' + esc(home) + '">前往我的工作页面</a></p>' : "") +
        '<p class="muted">如需开通权限，请联系系统管理员。</p>');
      return null;
    }
    return user;
  }

  async function logout() {
    try { await api("/api/auth/logout", { method: "POST" }); } catch (e) { /* leaving anyway */ }
    location.href = "/login";
  }

  function nav(user, active) {
    var old = document.querySelector(".staff-top");
    if (old) old.remove();
    var top = document.createElement("header");
    top.className = "staff-top";
    top.setAttribute("data-testid", "staff-nav");
    var links = PAGES.filter(function (p) { return can(user, p.cap); }).map(function (p) {
      return '<a href="' + p.href + '" data-testid="nav-' + p.key + '"' +
        (p.key === active ? ' aria-current="page"' : "") + ">" + esc(p.label) + "</a>";
    }).join("");
    var centre = document.querySelector('meta[name="centre"]');  // filled in by the server (routes/pages.py)
    top.innerHTML = '<div class="brand">审批导航<small>工作台' + (centre ? " · " + esc(centre.content) : "") +
      "</small></div>" +
      '<nav aria-label="工作台页面">' + links + "</nav>" +
      (user ? '<div class="who"><span data-testid="current-user">' + esc(user.display_name || user.username) +
        "（" + esc(roleName(user.role)) + '）</span><button type="button" data-testid="logout">退出</button></div>' : "");
    document.body.prepend(top);
    // On a phone the links scroll sideways: bring the current page's link into view.
    var current = top.querySelector("nav a[aria-current]");
    if (current) top.querySelector("nav").scrollLeft = current.offsetLeft - 16;
    var out = top.querySelector("[data-testid=logout]");
    if (out) out.addEventListener("click", logout);
    return top;
  }

  function toast(message, kind) {
    var box = document.querySelector(".staff-toasts");
    if (!box) {
      box = document.createElement("div");
      box.className = "staff-toasts";
      box.setAttribute("aria-live", "polite");
      document.body.appendChild(box);
    }
    var t = document.createElement("div");
    t.className = "staff-toast" + (kind ? " " + kind : "");
    t.setAttribute("data-testid", "toast");
    t.setAttribute("role", kind === "error" ? "alert" : "status");
    t.textContent = message;
    t.title = "点击关闭";
    t.addEventListener("click", function () { t.remove(); });
    box.appendChild(t);
    setTimeout(function () { t.remove(); }, kind === "error" ? 8000 : 4000);
    return t;
  }

  // "2026-11-23T09:05:00Z" → "2026-11-23 17:05" in the browser's time zone.
  function time(value) {
    if (!value) return "";
    var d = new Date(value);
    if (isNaN(d.getTime())) return String(value);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " +
      two(d.getHours()) + ":" + two(d.getMinutes());
  }

  window.Staff = {
    requireUser: requireUser,
    nav: nav,
    api: api,
    toast: toast,
    esc: esc,
    ApiError: ApiError,
    // extras used by the pages of this shell
    can: can,
    roleName: roleName,
    homeFor: homeFor,
    logout: logout,
    time: time
  };
})();
