"""File storage: a local folder by default, files named by the SHA-256 of their content (never
by anything a client sent). An S3-compatible backend would implement the same three calls."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol


@dataclass
class Incoming:
    """A file being received: written to a temporary file and hashed as it streams in."""

    path: Path
    file: BinaryIO
    hash: Any = field(default_factory=hashlib.sha256)
    size: int = 0
    head: bytes = b""

    @property
    def sha256(self) -> str:
        return str(self.hash.hexdigest())


class Storage(Protocol):
    def begin(self) -> Incoming: ...
    def write(self, incoming: Incoming, chunk: bytes) -> None: ...
    def keep(self, incoming: Incoming) -> str: ...
    def discard(self, incoming: Incoming) -> None: ...
    def path_of(self, sha256: str) -> Path: ...


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._incoming = root / "incoming"

    def begin(self) -> Incoming:
        self._incoming.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self._incoming)
        return Incoming(Path(name), os.fdopen(fd, "wb"))

    def write(self, incoming: Incoming, chunk: bytes) -> None:
        if len(incoming.head) < 512:
            incoming.head += chunk[: 512 - len(incoming.head)]
        incoming.hash.update(chunk)
        incoming.size += len(chunk)
        incoming.file.write(chunk)

    def keep(self, incoming: Incoming) -> str:
        """Store the file under its content hash (the same content is stored once)."""
        incoming.file.close()
        digest = incoming.sha256
        target = self.path_of(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            incoming.path.unlink()
        else:
            os.replace(incoming.path, target)
        return digest

    def discard(self, incoming: Incoming) -> None:
        with contextlib.suppress(OSError):
            incoming.file.close()
        incoming.path.unlink(missing_ok=True)

    def path_of(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a content hash")
        return self.root / sha256[:2] / sha256
