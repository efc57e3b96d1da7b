"""Structured logs: one JSON object per line (time, level, logger, message, extras)."""

from __future__ import annotations

import json
import logging
import sys
import time

_STD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Formats a record as JSON; a message that is itself JSON is embedded as an object."""

    def __init__(self, node: str = "") -> None:
        super().__init__()
        self.node = node

    def format(self, record: logging.LogRecord) -> str:
        msg = record.getMessage()
        out: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        if self.node:
            out["node"] = self.node
        if msg.startswith("{"):
            try:
                out["data"] = json.loads(msg)
            except ValueError:
                out["msg"] = msg
        else:
            out["msg"] = msg
        for k, v in record.__dict__.items():
            if k not in _STD:
                out[k] = v if isinstance(v, str | int | float | bool | None) else repr(v)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def setup_logging(level: str = "info", json_logs: bool = True, node: str = "") -> None:
    """Configure the root logger to write to stderr (JSON by default)."""
    handler = logging.StreamHandler(sys.stderr)
    if json_logs:
        handler.setFormatter(JsonFormatter(node))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Per-call request logs only at debug level: they dominate at load, and building one
    # for a call the client cancelled reads context.peer() of a finished call, which
    # crashes grpcio (segfault in cygrpc; reported in ADR 0062).
    if level != "debug":
        logging.getLogger("drex_node.rpc").setLevel(logging.CRITICAL)
