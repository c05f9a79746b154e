// Web chat for 审批导航: posts to the service's /api/chat relay and renders Rasa REST messages.
// Every piece of user or bot text goes into the DOM through textContent, never innerHTML, so a
// message such as <img onerror=...> stays text.
(function () {
  "use strict";

  var CENTRE = document.querySelector('meta[name="centre"]').content;  // filled in by the server (routes/pages.py)
  var WELCOME = "您好！我是" + CENTRE + "的审批导航助手。\n" +
    "告诉我您想办什么事（例如“我想开个饭店”），我会帮您理清要办哪些事项、带哪些材料、去哪个窗口、要多久。";
  var NETWORK_ERROR = "抱歉，网络好像出了点问题，这条消息没有发送成功。请检查网络后点击“重试”，" +
    "或稍后再试；急需咨询也可以拨打审批导航热线。";
  // Only http(s) is matched, so a link can never carry a javascript: URL.
  var URL_RE = /https?:\/\/[^\s<>"'，。；、！？）】》]+/g;

  var list = document.getElementById("messages");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");
  var send = document.getElementById("send");
  var busy = false;

  var sender = senderId();

  // A random id per browser keeps the conversation (and its focus) across page reloads.
  function senderId() {
    var key = "navigator.sender";
    try {
      var saved = localStorage.getItem(key);
      if (saved && /^web-[0-9a-f]{32}$/.test(saved)) return saved;
    } catch (e) { /* storage blocked: fall through to a per-page id */ }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes); // works on plain http, unlike crypto.randomUUID
    var id = "web-" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
    try { localStorage.setItem(key, id); } catch (e) { /* keep it for this page only */ }
    return id;
  }

  function scrollDown() { list.scrollTop = list.scrollHeight; }

  function addMessage(who, extraClass) {
    var msg = document.createElement("div");
    msg.className = "msg " + who + (extraClass ? " " + extraClass : "");
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    var speaker = document.createElement("span");
    speaker.className = "sr-only";
    speaker.textContent = who === "user" ? "我说：" : "导航助手：";
    var text = document.createElement("span");
    text.className = "text";
    bubble.appendChild(speaker);
    bubble.appendChild(text);
    msg.appendChild(bubble);
    list.appendChild(msg);
    return msg;
  }

  // Text with its URLs turned into links; the notice link gets a readable label instead of a long query string.
  function appendText(el, text) {
    var last = 0;
    text.replace(URL_RE, function (raw, at) {
      var url = raw.replace(/[.,;:!?)\]]+$/, "");
      el.appendChild(document.createTextNode(text.slice(last, at)));
      var a = document.createElement("a");
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      if (/\/notice(\?|$)/.test(url)) {
        a.className = "notice";
        a.textContent = "打开一次性告知单（可打印）";
        a.title = url;
      } else {
        a.textContent = url;
      }
      el.appendChild(a);
      last = at + url.length;
      return raw;
    });
    el.appendChild(document.createTextNode(text.slice(last)));
  }

  function addUser(text) {
    disableOldChoices();
    var msg = addMessage("user");
    msg.querySelector(".text").textContent = text;
    scrollDown();
  }

  function addBot(m) {
    if (!m.text && !(m.buttons && m.buttons.length)) return; // e.g. the handoff event for staff tools
    var msg = addMessage("bot");
    if (m.text) appendText(msg.querySelector(".text"), String(m.text));
    if (m.buttons && m.buttons.length) {
      var group = document.createElement("div");
      group.className = "choices";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "可选回复");
      m.buttons.forEach(function (b) {
        var btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = b.title;
        btn.addEventListener("click", function () {
          if (busy) return;
          btn.setAttribute("aria-pressed", "true");
          ask(String(b.payload || b.title), String(b.title));
        });
        group.appendChild(btn);
      });
      msg.appendChild(group);
    }
    scrollDown();
  }

  // Old choices answer an earlier question; leaving them live would send answers out of context.
  function disableOldChoices() {
    var old = list.querySelectorAll(".choices button");
    for (var i = 0; i < old.length; i++) old[i].disabled = true;
  }

  function addTyping() {
    var msg = addMessage("bot", "typing");
    msg.setAttribute("aria-label", "导航助手正在输入");
    for (var i = 0; i < 3; i++) {
      var dot = document.createElement("span");
      dot.className = "dot";
      dot.setAttribute("aria-hidden", "true");
      msg.querySelector(".text").appendChild(dot);
    }
    scrollDown();
    return msg;
  }

  function addError(payload) {
    var msg = addMessage("bot", "error");
    msg.setAttribute("role", "alert");
    msg.querySelector(".text").textContent = NETWORK_ERROR;
    var retry = document.createElement("button");
    retry.type = "button";
    retry.className = "retry";
    retry.textContent = "重试";
    retry.addEventListener("click", function () {
      if (busy) return;
      msg.remove();
      ask(payload, null);
    });
    msg.appendChild(retry);
    scrollDown();
  }

  function setBusy(on) {
    busy = on;
    send.disabled = on;
  }

  // payload goes to Rasa; shown (if not null) is what the citizen sees as their own bubble.
  function ask(payload, shown) {
    payload = payload.trim();
    if (!payload || busy) return;
    if (shown !== null) addUser(shown);
    setBusy(true);
    var typing = addTyping();
    fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: sender, message: payload })
    }).then(function (resp) {
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      return resp.json();
    }).then(function (messages) {
      typing.remove();
      if (!Array.isArray(messages) || !messages.length) {
        addBot({ text: "抱歉，我没有理解您的意思。可以换个说法，或说说具体要办的事，例如“开公司要哪些材料”。" });
        return;
      }
      var first = list.lastElementChild;
      messages.forEach(addBot);
      // A long answer is read from its top, not from its last line.
      first = first.nextElementSibling;
      if (first) list.scrollTop = Math.min(list.scrollTop, first.offsetTop - 8);
    }).catch(function () {
      typing.remove();
      addError(payload);
    }).then(function () {
      setBusy(false);
    });
  }

  function submitInput() {
    var text = input.value;
    if (!text.trim() || busy) return;
    input.value = "";
    autoGrow();
    ask(text, text.trim());
    input.focus();
  }

  function autoGrow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 120) + "px";
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    submitInput();
  });
  input.addEventListener("keydown", function (e) {
    // Enter sends; Shift+Enter is a new line; Enter that confirms a Chinese IME candidate is not a send.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      submitInput();
    }
  });
  input.addEventListener("input", autoGrow);
  document.querySelectorAll(".chip").forEach(function (chip) {
    chip.addEventListener("click", function () { ask(chip.textContent, chip.textContent); });
  });

  addBot({ text: WELCOME });
})();
