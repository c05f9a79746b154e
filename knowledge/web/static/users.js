// 用户管理 (admin): list accounts, create one, change a role, deactivate / reactivate, reset a password.
(function () {
  "use strict";

  var ROLES = ["staff", "editor", "reviewer", "admin"];
  var main = document.getElementById("users-main");
  var tbody = document.querySelector("[data-testid=users-table] tbody");
  var showInactive = document.getElementById("show-inactive");
  var createForm = document.getElementById("create-user");
  var createError = document.querySelector("[data-testid=create-error]");
  var me = null;
  var users = [];

  function roleOptions(selected) {
    return ROLES.map(function (r) {
      return '<option value="' + r + '"' + (r === selected ? " selected" : "") + ">" + Staff.esc(Staff.roleName(r)) + "</option>";
    }).join("");
  }

  function isActive(u) { return u.active !== false; }

  function render() {
    var shown = users.filter(function (u) { return showInactive.checked || isActive(u); });
    document.querySelector("[data-testid=users-empty]").hidden = shown.length > 0;
    tbody.innerHTML = shown.map(function (u) {
      var self = me && u.username === me.username;
      return '<tr data-testid="user-row" data-username="' + Staff.esc(u.username) + '" class="' + (isActive(u) ? "" : "inactive") + '">' +
        "<td><strong>" + Staff.esc(u.username) + "</strong>" + (self ? ' <span class="badge">我</span>' : "") + "</td>" +
        "<td>" + Staff.esc(u.display_name || "") + "</td>" +
        '<td><label class="sr-only" for="role-' + Staff.esc(u.username) + '">角色</label>' +
        '<select id="role-' + Staff.esc(u.username) + '" data-testid="role-select" data-action="role">' + roleOptions(u.role) + "</select></td>" +
        "<td>" + (isActive(u) ? '<span class="badge ok">启用</span>' : '<span class="badge withdrawn">已停用</span>') + "</td>" +
        '<td class="muted">' + Staff.esc(Staff.time(u.last_login_at || u.last_login || "")) + "</td>" +
        '<td><div class="actions">' +
        '<button type="button" class="btn small" data-action="reset" data-testid="reset-password">重置密码</button>' +
        (isActive(u)
          ? '<button type="button" class="btn small danger" data-action="deactivate" data-testid="deactivate"' + (self ? ' disabled title="不能停用自己的账号"' : "") + ">停用</button>"
          : '<button type="button" class="btn small" data-action="activate" data-testid="activate">启用</button>') +
        "</div></td></tr>";
    }).join("");
  }

  async function load() {
    try {
      users = await Staff.api("/api/users");
      users.sort(function (a, b) { return a.username.localeCompare(b.username); });
      render();
    } catch (e) {
      Staff.toast("读取账号失败：" + e.detail, "error");
    }
  }

  async function patch(username, body, done) {
    try {
      await Staff.api("/api/users/" + encodeURIComponent(username), { method: "PATCH", body: body });
      Staff.toast(done, "ok");
      await load();
      return true;
    } catch (e) {
      Staff.toast(e.detail, "error");
      await load();
      return false;
    }
  }

  function rowUser(el) {
    var row = el.closest("tr[data-username]");
    return row ? row.getAttribute("data-username") : null;
  }

  function openReset(row, username) {
    var old = tbody.querySelector(".reset-row");
    if (old) old.remove();
    var tr = document.createElement("tr");
    tr.className = "reset-row";
    tr.innerHTML = '<td colspan="6"><form data-testid="reset-form">' +
      '<label for="reset-pw">为 <strong>' + Staff.esc(username) + "</strong> 设置新密码</label>" +
      '<input id="reset-pw" type="text" autocomplete="new-password" maxlength="256" data-testid="reset-password-input">' +
      '<button type="submit" class="btn primary small" data-testid="reset-password-save">确定重置</button>' +
      '<button type="button" class="btn small" data-action="cancel-reset">取消</button>' +
      '<span class="muted" style="font-size:13px">重置后该账号需用新密码重新登录。</span></form></td>';
    row.after(tr);
    var input = tr.querySelector("input");
    input.focus();
    tr.querySelector("form").addEventListener("submit", async function (e) {
      e.preventDefault();
      if (input.value.length < 8) { input.focus(); Staff.toast("新密码至少 8 个字符", "error"); return; }
      await patch(username, { password: input.value }, "已重置 " + username + " 的密码");
    });
  }

  tbody.addEventListener("change", function (e) {
    if (e.target.getAttribute("data-action") !== "role") return;
    var username = rowUser(e.target);
    patch(username, { role: e.target.value }, "已将 " + username + " 的角色改为" + Staff.roleName(e.target.value));
  });

  tbody.addEventListener("click", function (e) {
    var btn = e.target.closest("button[data-action]");
    if (!btn) return;
    var username = rowUser(btn);
    var action = btn.getAttribute("data-action");
    if (action === "reset") openReset(btn.closest("tr"), username);
    else if (action === "cancel-reset") btn.closest("tr").remove();
    else if (action === "deactivate") patch(username, { active: false }, "已停用 " + username + "，其登录会话同时失效");
    else if (action === "activate") patch(username, { active: true }, "已启用 " + username);
  });

  showInactive.addEventListener("change", render);

  document.getElementById("gen-password").addEventListener("click", function () {
    // Readable characters only: the admin reads it out to the person.
    var chars = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    document.getElementById("new-password").value = Array.prototype.map.call(bytes, function (b) {
      return chars[b % chars.length];
    }).join("");
  });

  createForm.addEventListener("submit", async function (e) {
    e.preventDefault();
    var body = {
      username: document.getElementById("new-username").value.trim(),
      display_name: document.getElementById("new-display-name").value.trim(),
      role: document.getElementById("new-role").value,
      password: document.getElementById("new-password").value
    };
    // The same rules as the server (knowledge/api/routes/users.py), said in Chinese before the round trip.
    var missing = !body.username ? "请填写用户名"
      : !/^[A-Za-z0-9][A-Za-z0-9_.-]{1,31}$/.test(body.username) ? "用户名须为 2–32 位字母、数字、下划线、点或连字符，并以字母或数字开头"
        : body.password.length < 8 ? "初始密码至少 8 个字符" : "";
    if (!body.display_name) delete body.display_name;
    createError.textContent = missing;
    createError.hidden = !missing;
    if (missing) return;
    try {
      await Staff.api("/api/users", { method: "POST", body: body });
      Staff.toast("已创建账号 " + body.username + "（" + Staff.roleName(body.role) + "）", "ok");
      createForm.reset();
      await load();
    } catch (err) {
      createError.textContent = "创建失败：" + err.detail;
      createError.hidden = false;
    }
  });

  (async function start() {
    me = await Staff.requireUser("users");
    if (!me) return;
    Staff.nav(me, "users");
    main.hidden = false;
    await load();
  })();
})();
