"""Late delivery through WeChat's customer-service message API (客服消息), for answers that missed
the passive-reply deadline.

wechatpy's client is synchronous (requests), so calls run in a worker thread and never block the
Rasa event loop. The API base URL is configurable (WECHAT_API_BASE_URL) so tests can point it at a
local stand-in. With Redis, the access token is shared by all replicas: each fetch of a new token
shortens the life of the previous one, and the daily quota of token fetches is small.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Optional

from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from channels.wechat_settings import WeChatSettings

logger = logging.getLogger(__name__)


class _Client(WeChatClient):
    """WeChatClient whose every URL, the token endpoint included, starts at a configurable base."""

    def __init__(self, settings: WeChatSettings, session: Optional[object]) -> None:
        super().__init__(settings.app_id, settings.app_secret, session=session, timeout=5)
        self._base = settings.api_base_url
        self.API_BASE_URL = f"{self._base}/cgi-bin/"

    def fetch_access_token(self):
        return self._fetch_access_token(url=f"{self._base}/cgi-bin/token", params={
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})


class CustomerService:
    def __init__(self, settings: WeChatSettings) -> None:
        session = None
        if settings.redis_url:
            import redis
            from wechatpy.session.redisstorage import RedisStorage

            session = RedisStorage(redis.Redis.from_url(settings.redis_url, socket_timeout=2),
                                   prefix=f"{settings.redis_prefix}wechatpy")
        self._client = _Client(settings, session)

    async def send_text(self, openid: str, text: str) -> bool:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self._client.message.send_text, openid, text)
            return True
        except WeChatClientException as exc:
            # e.g. 45015: the user has not written within 48 hours; 40001: token invalid
            logger.warning("wechat.customer_service.failed errcode=%s", exc.errcode)
        except Exception as exc:  # network errors: the answer stays in the ledger for a retry
            logger.warning("wechat.customer_service.failed error=%s", type(exc).__name__)
        return False
