"""privacy.masking, called directly: real-looking numbers are masked, near-misses are left alone."""
from __future__ import annotations

import logging

import pytest

from privacy import logs
from privacy.masking import is_card_number, is_id_number, mask_data, mask_text

# The sample ID of GB 11643-1999 itself, and one computed for 1990-03-07 (check digit 9).
ID_X = "11010519491231002X"
ID_9 = "110105199003071239"
PHONE = "13800138000"
CARD_19 = "6222020200112345679"  # Luhn-valid, 19 digits (UnionPay debit length)
CARD_16 = "6217000000001236"     # Luhn-valid, 16 digits


@pytest.mark.parametrize("said, expected", [
    (f"我的身份证号是{ID_X}，能办护照吗", "我的身份证号是110105********002X，能办护照吗"),
    (f"身份证{ID_9}", "身份证110105********1239"),
    (f"身份证{ID_X.lower()}", "身份证110105********002x"),
    (f"电话{PHONE}", "电话138****8000"),
    ("电话 138 0013 8000 或 139-1234-5678", "电话 138****8000 或 139****5678"),
    (f"+86{PHONE}", "+86138****8000"),
    ("手机１３８００１３８０００", "手机138****8000"),  # full-width digits from a Chinese IME
    (f"卡号{CARD_19}", "卡号6222***********5679"),
    (f"卡号 {CARD_16} 谢谢", "卡号 6217********1236 谢谢"),
    ("卡号 6222 0202 0011 2345 679", "卡号 6222***********5679"),
    (f"{ID_X} {PHONE} {CARD_16}", "110105********002X 138****8000 6217********1236"),
])
def test_masks_what_identifies_a_citizen(said: str, expected: str) -> None:
    assert mask_text(said) == expected


@pytest.mark.parametrize("said", [
    "订单号 202312010000123456",       # 18 digits, wrong check digit: not an ID (and not Luhn-valid)
    "110105199013071005",               # right check digit, but month 13: no date of birth
    "11010519900307123",                # 17 digits
    "1101051990030712391",              # 19 digits that contain an ID-like run: one longer number
    "12345678901",                      # 11 digits starting 12: not a mobile number
    "138001380001",                     # 12 digits
    "6222020200112345678",              # Luhn fails
    "622202020011234",                  # 15 digits
    "营业执照统一社会信用代码 91110105MA01ABCD2X",
    "2024年3月7日上午10点，预约号 0012345",
    "开饭店要办哪些证？",
    "",
])
def test_leaves_other_numbers_alone(said: str) -> None:
    assert mask_text(said) == said


def test_structure_checks() -> None:
    assert is_id_number(ID_X) and is_id_number(ID_9)
    assert not is_id_number("110105199003071234")  # one digit off the real check digit
    assert is_card_number([int(c) for c in CARD_19])
    assert not is_card_number([int(c) for c in "4111111111111"])  # Luhn-valid but 13 digits


def test_mask_data_walks_nested_values_and_keeps_keys() -> None:
    event = {"transcript": [{"who": "市民", "text": f"我手机{PHONE}"}], "focus": "route:open-restaurant",
             "n": 3, PHONE: "key kept"}
    assert mask_data(event) == {"transcript": [{"who": "市民", "text": "我手机138****8000"}],
                                "focus": "route:open-restaurant", "n": 3, PHONE: "key kept"}


@pytest.fixture
def captured() -> list[str]:
    logs.install()
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Keep()
    logger = logging.getLogger("test.privacy")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lines
    logger.removeHandler(handler)


def test_logs_mask_numbers_and_shorten_citizens_messages(captured: list[str]) -> None:
    logger = logging.getLogger("test.privacy")
    logger.info("turn sender=%s text=%s", "web:1", f"我的身份证{ID_X}" + "长" * 5000)
    logger.info(f"direct {PHONE}")
    try:
        raise ValueError(f"bad card {CARD_16}")
    except ValueError:
        logger.exception("failed")
    assert ID_X not in captured[0] and "110105********002X" in captured[0]
    assert len(captured[0]) < 400 and "共 5023 字" in captured[0]
    assert captured[1] == "direct 138****8000"
    assert CARD_16 not in captured[2] and "6217********1236" in captured[2] and "Traceback" in captured[2]


def test_access_log_keeps_path_without_query(captured: list[str]) -> None:
    logs.install()  # a second call must not wrap twice
    access = logging.getLogger("uvicorn.access")
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Keep()
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", "/api/search?q=%E5%8A%9E%E6%8A%A4%E7%85%A7",
                     "1.1", 200)
    finally:
        access.removeHandler(handler)
    assert lines == ['127.0.0.1:5 - "GET /api/search?… HTTP/1.1" 200']
