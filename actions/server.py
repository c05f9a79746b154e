"""The action server, reachable only by Rasa:

    python -m actions.server --port 5055 [--interface 127.0.0.1]

It is rasa-sdk's own Sanic app (rasa_sdk.endpoint.create_app, the same /webhook, /actions and /health)
with three differences from `python -m rasa_sdk --actions actions`:

- it listens on 127.0.0.1 unless told otherwise (--interface or ACTIONS_HOST); rasa-sdk 3.6 has no
  such option and binds 0.0.0.0 unless SANIC_HOST is set;
- every request except GET /health must carry the header X-Service-Token with SERVICE_TOKEN, the secret
  the knowledge service and Rasa share (Rasa sends it: `headers:` of action_endpoint in endpoints.yml).
  A forged tracker posted to /webhook could otherwise make the actions post handoffs, ratings and gap
  reports in any citizen's name. A header rather than Rasa's `token:` option, which travels as
  ?token=… in the URL and so lands in access logs. Without SERVICE_TOKEN the server does not start;
- no CORS (browsers never call it) and log lines go through privacy.logs (masked, shortened).
"""
from __future__ import annotations

import argparse
import hmac
import logging
import os
import sys

from sanic import Sanic, response
from sanic.request import Request

logger = logging.getLogger("actions.server")

TOKEN_HEADER = "X-Service-Token"
OPEN_PATHS = {"/health"}  # for health checks; says nothing but {"status": "ok"}


def token_is_valid(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def create_app(service_token: str) -> Sanic:
    from rasa_sdk.endpoint import create_app as create_sdk_app

    app = create_sdk_app("actions", cors_origins=None)

    @app.middleware("request")
    async def only_rasa(request: Request):
        if request.path in OPEN_PATHS and request.method == "GET":
            return None
        if token_is_valid(request.headers.get(TOKEN_HEADER), service_token):
            return None
        logger.warning("actions.refused path=%s client=%s reason=%s", request.path, request.ip,
                       "no token" if TOKEN_HEADER.lower() not in request.headers else "wrong token")
        return response.json({"error": "服务令牌无效：动作服务只接受对话服务（Rasa）的调用"}, status=401)

    return app


def argument_parser() -> argparse.ArgumentParser:
    from rasa_sdk import utils
    from rasa_sdk.constants import DEFAULT_SERVER_PORT

    parser = argparse.ArgumentParser(description="审批导航 action server (rasa-sdk), for Rasa only")
    parser.add_argument("-p", "--port", type=int, default=int(os.environ.get("ACTIONS_PORT", DEFAULT_SERVER_PORT)))
    parser.add_argument("--interface", default=os.environ.get("ACTIONS_HOST", "127.0.0.1"),
                        help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)")
    utils.add_logging_level_option_arguments(parser)
    utils.add_logging_file_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> None:
    from rasa_sdk import utils
    from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
    from rasa_sdk.plugin import plugin_manager

    from privacy import logs

    args = argument_parser().parse_args(argv)
    logs.install()
    # As rasa-sdk's own __main__ sets logging up.
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel,
                                 args.logging_config_file)
    utils.update_sanic_log_level()

    token = os.environ.get("SERVICE_TOKEN") or ""
    if not token:
        sys.exit("SERVICE_TOKEN is not set: the action server answers only Rasa calls that carry it "
                 "(scripts/start.sh generates one into var/service-token and passes it to every process).")
    app = create_app(token)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    logger.info("action server for Rasa only on http://%s:%d", args.interface, args.port)
    app.run(args.interface, args.port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()
