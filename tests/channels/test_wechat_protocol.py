"""channels.wechat_protocol called directly: the replay window on signed timestamps (finding 16)."""
from __future__ import annotations

import pytest

from channels.wechat_protocol import Rejected, WeChatProtocol
from channels.wechat_settings import WeChatSettings
from tests.channels.wechat_sim import ACCOUNT, DOC_AES_KEY, DOC_APP_ID, DOC_TOKEN, cdata, sign, text_xml

# The encrypted sample message of WeChat's encryption docs, with its own timestamp, nonce and signature.
DOC_ENCRYPT = ("hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHF"
               "VAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVti"
               "cbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpA"
               "e+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCum"
               "EPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=")
DOC_TIME, DOC_NONCE, DOC_MSG_SIGNATURE = 1409735669, "1320562132", "5d197aaffba7e9b25a30732f161a50dee96bd5fa"


def protocol(now: float, **settings) -> WeChatProtocol:
    return WeChatProtocol(WeChatSettings(token=DOC_TOKEN, encoding_aes_key=DOC_AES_KEY, app_id=DOC_APP_ID,
                                         **settings), clock=lambda: now)


def doc_request() -> tuple[dict, bytes]:
    query = {"timestamp": str(DOC_TIME), "nonce": DOC_NONCE, "signature": sign(DOC_TOKEN, str(DOC_TIME), DOC_NONCE),
             "encrypt_type": "aes", "msg_signature": DOC_MSG_SIGNATURE}
    body = f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(DOC_ENCRYPT)}</Encrypt></xml>"
    return query, body.encode()


def plain_request(timestamp: str) -> tuple[dict, bytes]:
    query = {"timestamp": timestamp, "nonce": "42", "signature": sign(DOC_TOKEN, timestamp, "42")}
    return query, text_xml("oUser", "办护照").encode()


def test_documentation_vector_is_read_at_its_own_time() -> None:
    query, body = doc_request()
    inbound = protocol(DOC_TIME + 5).read(query, body)
    assert inbound.encrypted and inbound.message.source == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"


@pytest.mark.parametrize("offset", [301, -301, 86400 * 365 * 12])
def test_signed_requests_outside_the_window_are_replays(offset: int) -> None:
    query, body = doc_request()
    with pytest.raises(Rejected) as refused:
        protocol(DOC_TIME + offset).read(query, body)
    assert refused.value.status == 403 and "replay" in refused.value.reason
    assert "签名" in refused.value.reply  # the citizen-facing body is the same as for a forged signature


@pytest.mark.parametrize("offset", [0, 299, -299])
def test_inside_the_window_is_accepted(offset: int) -> None:
    query, body = plain_request(str(DOC_TIME))
    assert protocol(DOC_TIME + offset).read(query, body).message.content == "办护照"


def test_window_is_configurable_and_zero_turns_it_off() -> None:
    query, body = plain_request(str(DOC_TIME))
    with pytest.raises(Rejected):
        protocol(DOC_TIME + 61, max_skew_s=60).read(query, body)
    assert protocol(DOC_TIME + 10**6, max_skew_s=0).read(query, body).message.content == "办护照"
    assert WeChatSettings.from_env(env={"WECHAT_MAX_SKEW_S": "60"}).max_skew_s == 60
    assert WeChatSettings.from_env(env={}).max_skew_s == 300


@pytest.mark.parametrize("timestamp", ["soon", "1e9", "9" * 400, "-"])
def test_signed_but_unreadable_timestamps_are_refused(timestamp: str) -> None:
    query, body = plain_request(timestamp)
    with pytest.raises(Rejected) as refused:
        protocol(DOC_TIME).read(query, body)
    assert refused.value.status == 403


def test_url_verification_has_the_same_window() -> None:
    query = {"timestamp": str(DOC_TIME), "nonce": "7", "signature": sign(DOC_TOKEN, str(DOC_TIME), "7"),
             "echostr": "abc"}
    assert protocol(DOC_TIME + 1).verify_url(query) == "abc"
    with pytest.raises(Rejected):
        protocol(DOC_TIME + 3600).verify_url(query)
