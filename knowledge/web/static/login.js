// Staff sign-in: POST /api/auth/login, then on to `next` (a path on this site) or the role's home page.
(function () {
  "use strict";

  var form = document.getElementById("login-form");
  var username = document.getElementById("username");
  var password = document.getElementById("password");
  var errorBox = document.getElementById("login-error");
  var submit = form.querySelector("button[type=submit]");
  var signedIn = document.querySelector("[data-testid=signed-in]");

  // Only a path on this site, or the login would be an open redirect. A pattern on the raw text is not
  // enough: browsers drop tabs and line breaks from URLs and read "\" as "/", so "/\t/evil.example"
  // and "/\t\\evil.example" mean //evil.example. So: no control characters, spaces or backslashes at
  // all, and the URL the browser itself resolves must be on this origin.
  function nextPath() {
    var next = new URLSearchParams(location.search).get("next") || "";
    if (!next || next.charAt(0) !== "/" || /[\u0000-\u0020\u007f\\]/.test(next)) return null;
    var url;
    try { url = new URL(next, location.origin); } catch (e) { return null; }
    if (url.origin !== location.origin) return null;
    var path = url.pathname + url.search + url.hash;
    if (path.indexOf("//") === 0 || path.indexOf("/login") === 0) return null;
    return path;
  }

  function destination(user) { return nextPath() || Staff.homeFor(user); }

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = !text;
  }

  form.addEventListener("submit", async function (e) {
    e.preventDefault();
    var name = username.value.trim();
    if (!name || !password.value) {
      showError(!name ? "请输入用户名" : "请输入密码");
      (!name ? username : password).focus();
      return;
    }
    showError("");
    submit.disabled = true;
    submit.textContent = "正在登录…";
    try {
      var user = await Staff.api("/api/auth/login", { method: "POST", body: { username: name, password: password.value } });
      location.replace(destination(user));
      return;
    } catch (err) {
      if (err.status === 401) showError("用户名或密码错误");
      else if (err.status === 429) showError(/过多/.test(err.detail) ? err.detail : "尝试过多，请稍后再试");
      else if (err.status === 422) showError("请输入用户名和密码");
      else showError("登录失败：" + err.detail);
      password.value = "";
      password.focus();
    }
    submit.disabled = false;
    submit.textContent = "登录";
  });

  // Already signed in (e.g. the back button): offer the way in instead of a second sign-in.
  Staff.api("/api/auth/me").then(function (user) {
    signedIn.innerHTML = "您已登录为 " + Staff.esc(user.display_name || user.username) + "（" +
      Staff.esc(Staff.roleName(user.role)) + "）。" + '<a href="' + Staff.esc(destination(user)) +
      '" data-testid="continue">进入工作台</a>，或在下面换一个账号登录。';
    signedIn.hidden = false;
  }, function () { /* not signed in: the form is all there is */ });

  username.focus();
})();
