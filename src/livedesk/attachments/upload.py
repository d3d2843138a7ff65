"""Reading a multipart upload as it streams in. Parts are told apart by their field name only,
never by whether they carry a file name: browsers and Node send JSON fields as a `Blob`, which
always has one (`filename="blob"`). The caller names the one file field; its parts go to storage
chunk by chunk, every other part is a small field (at most 64 KiB, whatever its file name or
type): kept when the caller asked for it, read and dropped otherwise. Limits are enforced while
reading, so an oversized upload is refused without ever being held in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass, field

from python_multipart import MultipartParser
from python_multipart.multipart import parse_options_header

from livedesk.attachments.storage import Incoming, Storage
from livedesk.errors import AppError, bad_request

MAX_FIELD_BYTES = 64 * 1024
MAX_PARTS = 20
MAX_HEADER_BYTES = 8 * 1024


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, Incoming]] = field(default_factory=list)  # (file name sent, file)


def file_too_large(limit: int) -> AppError:
    return AppError(
        "file_too_large", 413, f"Files may be at most {limit // 1024} KiB ({limit} bytes)."
    )


async def read_upload(
    content_type: str | None,
    stream: AsyncIterator[bytes],
    storage: Storage,
    *,
    file_field: str,
    fields: Collection[str] = (),
    max_file_bytes: int,
    max_files: int,
) -> Upload:
    """Parse a multipart/form-data body: the parts named `file_field` are the files, the parts
    named in `fields` are kept as text, any other part is ignored (each still at most 64 KiB).
    The caller keeps or discards the files."""
    kind, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise AppError(
            "not_multipart", 415, "Send the file as multipart/form-data with a boundary."
        )
    reader = _Reader(storage, file_field, frozenset(fields), max_file_bytes, max_files)
    parser = MultipartParser(boundary, reader.callbacks())  # type: ignore[arg-type]
    upload = reader.upload
    try:
        async for chunk in stream:
            parser.write(chunk)
        parser.finalize()
    except AppError:
        discard(storage, upload)
        raise
    except Exception as exc:  # the parser's own complaints about a broken body
        discard(storage, upload)
        raise bad_request("malformed_multipart", "The multipart body could not be read.") from exc
    return upload


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    header_bytes: int = 0
    name: str = ""
    keep: bool = False  # a field the caller asked for (else its bytes are only counted)
    size: int = 0
    incoming: Incoming | None = None
    buffer: bytearray = field(default_factory=bytearray)
    header_name: bytes = b""
    header_value: bytes = b""


class _Reader:
    """The parser's callbacks: one part at a time."""

    def __init__(
        self,
        storage: Storage,
        file_field: str,
        fields: frozenset[str],
        max_file_bytes: int,
        max_files: int,
    ) -> None:
        self.storage = storage
        self.file_field = file_field
        self.fields = fields
        self.max_file_bytes = max_file_bytes
        self.max_files = max_files
        self.upload = Upload()
        self.part = _Part()
        self.parts = 0

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
        }

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise bad_request("too_many_parts", f"A form may have at most {MAX_PARTS} parts.")
        self.part = _Part()

    def _header_bytes(self, count: int) -> None:
        self.part.header_bytes += count
        if self.part.header_bytes > MAX_HEADER_BYTES:
            raise bad_request("malformed_multipart", "The headers of a part are too large.")

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_bytes(end - start)
        self.part.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_bytes(end - start)
        self.part.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.part.headers[self.part.header_name.lower()] = self.part.header_value
        self.part.header_name = self.part.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.part.headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        self.part.name = name
        if name == self.file_field:
            if len(self.upload.files) >= self.max_files:
                raise bad_request(
                    "too_many_files", f"At most {self.max_files} file(s) may be sent at once."
                )
            self.part.incoming = self.storage.begin()
            filename = options.get(b"filename", b"").decode("utf-8", "replace")
            self.upload.files.append((filename, self.part.incoming))
        elif name in self.fields:
            if name in self.upload.fields:
                raise bad_request("duplicate_field", f"The form field `{name}` was sent twice.")
            self.part.keep = True

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        incoming = self.part.incoming
        if incoming is not None:
            if incoming.size + (end - start) > self.max_file_bytes:
                raise file_too_large(self.max_file_bytes)
            self.storage.write(incoming, data[start:end])
            return
        self.part.size += end - start
        if self.part.size > MAX_FIELD_BYTES:
            raise AppError(
                "field_too_large",
                413,
                f"The form field `{self.part.name[:80]}` is larger than 64 KiB; only "
                f"`{self.file_field}` may carry a file.",
                field=self.part.name[:80],
            )
        if self.part.keep:
            self.part.buffer.extend(data[start:end])

    def on_part_end(self) -> None:
        if self.part.keep:
            self.upload.fields[self.part.name] = self.part.buffer.decode("utf-8", "replace")


def discard(storage: Storage, upload: Upload) -> None:
    for _, incoming in upload.files:
        storage.discard(incoming)


def display_name(name: str) -> str:
    """A file name to show (never used as a path): the last path segment, printable, ≤ 200."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in last if ch.isprintable() and ch not in '"<>|:*?')
    cleaned = cleaned.strip(" .")
    return cleaned[:200] or "file"
