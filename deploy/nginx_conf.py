"""Renders deploy/nginx.conf.template: replaces the ${UPPER_CASE} names the layout needs and leaves
nginx's own $variables ($host, $remote_addr, …) alone.

    python deploy/nginx_conf.py TEMPLATE OUTPUT    # values from the environment (scripts/start-scaled.sh)
"""
from __future__ import annotations

import os
import string
import sys
from typing import Mapping

NAMES = ("RASA_SERVERS", "KNOWLEDGE_SERVERS", "ACTIONS_SERVERS", "RUN_DIR", "LISTEN_HOST", "PUBLIC_PORT",
         "ACTIONS_PORT")


def upstream_lines(ports: list[int]) -> str:
    # A replica that refuses connections is skipped for 5 s, then tried again.
    return "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in ports)


def render(template: str, values: Mapping[str, str]) -> str:
    missing = [n for n in NAMES if n not in values]
    if missing:
        raise KeyError(f"nginx template values missing: {', '.join(missing)}")
    return string.Template(template).safe_substitute({n: str(values[n]) for n in NAMES})


if __name__ == "__main__":
    template, output = sys.argv[1:3]
    with open(template, encoding="utf-8") as f:
        text = render(f.read(), os.environ)
    with open(output, "w", encoding="utf-8") as f:
        f.write(text)
