"""Logging for `livedesk serve`: plain text for people, or one JSON object per line for log
pipelines (`--log-format json`). Extra fields given to a log call (`extra={...}`) become keys."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from livedesk.kit import jsonutil

# Attributes every LogRecord has; anything else on a record came from `extra`.
# (uvicorn adds `color_message`, the message with terminal colours: not wanted in either format)
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return jsonutil.dumps_str(entry)


# Control characters in what a client sent (a percent-decoded path…) could forge log lines.
_ESCAPES = {c: f"\\x{c:02x}" for c in range(32)} | {10: "\\n", 13: "\\r", 9: "\\t", 127: "\\x7f"}


def _one_line(value: object) -> str:
    return str(value).translate(_ESCAPES)


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message key=value…`; the message and values on one line each time
    (a traceback follows on its own lines)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = f"{self.formatTime(record)} {record.levelname} {record.name}: "
        line += _one_line(record.getMessage())
        extra = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        line += "".join(f" {k}={_one_line(v)}" for k, v in extra.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure(level: str, fmt: str) -> None:
    """Send every logger (LiveDesk's and uvicorn's) to stderr in one format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # livedesk.access logs each request (with its route); uvicorn's own line would repeat it. Said
    # here, not only by uvicorn's `access_log=False`: a `--workers` process configures logging
    # again after uvicorn did.
    access = logging.getLogger("uvicorn.access")
    access.handlers[:] = []
    access.propagate = False
