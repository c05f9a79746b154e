"""The WeChat channel's settings, read from environment variables.

Read here rather than through ${VAR} in bot/credentials.yml, because Rasa refuses to start when such
a variable is unset, and a deployment without a WeChat account must still start.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional


@dataclass(frozen=True)
class WeChatSettings:
    token: str = ""
    encoding_aes_key: str = ""
    app_id: str = ""
    app_secret: str = ""
    api_base_url: str = "https://api.weixin.qq.com"
    redis_url: Optional[str] = None
    redis_prefix: str = "navigator:wechat:"
    # WeChat gives up on a passive reply after 5 s; keep a margin for the network.
    reply_deadline_s: float = 4.5
    # Without the customer-service API the answer can only ride on a retry; WeChat's retries end
    # about 15 s after the first attempt.
    retry_window_s: float = 14.0
    max_body_bytes: int = 64 * 1024
    # A signed request whose timestamp is further than this from our clock is refused (replay); 0
    # turns the check off. WeChat's docs advise checking it; 5 minutes allows for clock drift.
    max_skew_s: float = 300.0

    @property
    def configured(self) -> bool:
        return bool(self.token)

    @property
    def can_send_later(self) -> bool:
        """Customer-service messages need the app id and secret (a verified service account)."""
        return bool(self.app_id and self.app_secret)

    @classmethod
    def from_env(cls, overrides: Optional[Dict[str, Any]] = None, env: Mapping[str, str] = os.environ) -> "WeChatSettings":
        """Environment first; keys in credentials.yml (token, app_id, …) only fill what the environment leaves unset."""
        o = {k: v for k, v in (overrides or {}).items() if v not in (None, "")}

        def pick(var: str, key: str, default: str = "") -> str:
            return env.get(var) or str(o.get(key, default))

        return cls(
            token=pick("WECHAT_TOKEN", "token"),
            encoding_aes_key=pick("WECHAT_ENCODING_AES_KEY", "encoding_aes_key"),
            app_id=pick("WECHAT_APP_ID", "app_id"),
            app_secret=pick("WECHAT_APP_SECRET", "app_secret"),
            api_base_url=pick("WECHAT_API_BASE_URL", "api_base_url", cls.api_base_url).rstrip("/"),
            redis_url=env.get("REDIS_URL") or o.get("redis_url") or None,
            redis_prefix=pick("WECHAT_REDIS_PREFIX", "redis_prefix", cls.redis_prefix),
            reply_deadline_s=float(pick("WECHAT_REPLY_DEADLINE_S", "reply_deadline_s", str(cls.reply_deadline_s))),
            retry_window_s=float(pick("WECHAT_RETRY_WINDOW_S", "retry_window_s", str(cls.retry_window_s))),
            max_skew_s=float(pick("WECHAT_MAX_SKEW_S", "max_skew_s", str(cls.max_skew_s))),
        )
