"""A stand-in for WeChat's HTTP API (api.weixin.qq.com) on 127.0.0.1 — the one outside party the
tests may fake, since the real one cannot be reached. It issues access tokens and records
customer-service messages (/cgi-bin/message/custom/send)."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List
from urllib.parse import parse_qs, urlparse


class FakeWeChatAPI:
    def __init__(self, app_id: str, secret: str) -> None:
        self.app_id, self.secret = app_id, secret
        self.token_requests: List[Dict[str, str]] = []
        self.sent: List[dict] = []
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/cgi-bin/token":
                    with api._lock:
                        api.token_requests.append(q)
                    if q.get("appid") == api.app_id and q.get("secret") == api.secret:
                        return self._json({"access_token": "FAKE-TOKEN", "expires_in": 7200})
                    return self._json({"errcode": 40125, "errmsg": "invalid appsecret"})
                self._json({"errcode": 404, "errmsg": "unknown"})

            def do_POST(self) -> None:
                url = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if url.path == "/cgi-bin/message/custom/send":
                    if q.get("access_token") != "FAKE-TOKEN":
                        return self._json({"errcode": 40001, "errmsg": "invalid credential"})
                    with api._lock:
                        api.sent.append({**json.loads(body), "_at": time.monotonic()})
                    return self._json({"errcode": 0, "errmsg": "ok"})
                self._json({"errcode": 404, "errmsg": "unknown"})

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "FakeWeChatAPI":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def sent_to(self, openid: str) -> List[dict]:
        with self._lock:
            return [m for m in self.sent if m.get("touser") == openid]

    def wait_for(self, openid: str, timeout: float = 30) -> List[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.sent_to(openid)
            if found:
                return found
            time.sleep(0.05)
        return []
