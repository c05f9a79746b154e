"""The service centre's identity as citizens see it: one module that both virtual environments (the
knowledge service's and Rasa's) import, so a centre adopting the assistant sets it once, in the
environment (or the knowledge service's .env), and every page, chat reply, WeChat reply, notice and
apology says the same. The defaults are sample values, labelled （示例）."""
from __future__ import annotations

import os

NAME = os.environ.get("CENTRE_NAME", "示例市政务服务中心")
HOTLINE_PHONE = os.environ.get("HOTLINE_PHONE", "0000-12345（示例号码）")
HOTLINE_HOURS = os.environ.get("HOTLINE_HOURS", "工作日 9:00-12:00，13:30-17:30（示例）")
# Complaints and everything outside the centre's guides go to the national 12345 hotline
# (国办发〔2020〕53号 integrated the local government service hotlines into 12345).
COMPLAINT_LINE = os.environ.get("COMPLAINT_LINE", "12345政务服务便民热线")
