"""A ZIP writer for exports of millions of files, in constant memory, onto any byte stream.

Python's `zipfile` keeps a `ZipInfo` per member for the central directory (about 370 bytes each:
370 MB for a YOLO export of a million label files) and needs a seekable file or writes data
descriptors. This writer keeps nothing per member in memory: each central directory record goes
to a temporary file as its member is written, and is copied after the last member. A member is
staged (in memory while small, in a temporary file beyond that) with its CRC and sizes, so its
local header is written once, complete, and the output only ever grows: it may be an S3
multipart upload. ZIP64 records are written where sizes, offsets or the member count need them.
"""

import shutil
import struct
import tempfile
import time
import zlib
from typing import BinaryIO

STORED, DEFLATED = 0, 8
LEVEL = 1  # deflate level: text compresses about as well at 1 as at 6, three times as fast
LIMIT_32 = 0xFFFFFFFF
LIMIT_16 = 0xFFFF
UTF8_NAMES = 0x0800
UNIX_FILE = 0o100644 << 16
MADE_BY = (3 << 8) | 45  # Unix, ZIP 4.5
SMALL = 1 << 20  # a member up to this size is compressed in one call, in memory
COPY_BUFFER = 1 << 20


class Member:
    """One file of the archive, open for writing; it enters the archive when closed."""

    def __init__(self, archive: "ZipArchive", name: str, method: int):
        self.archive, self.name, self.method = archive, name, method
        self.crc, self.size = 0, 0
        self.small: list[bytes] | None = []
        self.staged: BinaryIO | None = None
        self.compressor = None
        self.closed = False

    def write(self, data: bytes) -> int:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        if self.small is not None:
            self.small.append(bytes(data))
            if self.size > SMALL:
                self._spill()
        else:
            self._stage(data)
        return len(data)

    def _spill(self) -> None:
        """Too big for memory: stream what came so far, and the rest, into a temporary file."""
        self.staged = tempfile.TemporaryFile(prefix="hl-zip-")  # noqa: SIM115
        if self.method == DEFLATED:
            self.compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
        pending, self.small = self.small, None
        for chunk in pending:
            self._stage(chunk)

    def _stage(self, data: bytes) -> None:
        self.staged.write(self.compressor.compress(data) if self.compressor else data)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.small is not None:
            raw = b"".join(self.small)
            packed = zlib.compress(raw, LEVEL, -15) if self.method == DEFLATED else raw
            method = self.method
            if method == DEFLATED and len(packed) >= len(raw):
                packed, method = raw, STORED  # a tiny file deflate would only grow
            self.archive._add(self.name, method, self.crc, self.size, len(packed), [packed])
            return
        if self.compressor is not None:
            self.staged.write(self.compressor.flush())
        packed_size = self.staged.tell()
        self.staged.seek(0)
        try:
            self.archive._add(self.name, self.method, self.crc, self.size, packed_size, self.staged)
        finally:
            self.staged.close()

    def __enter__(self) -> "Member":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ZipArchive:
    """Members go into `output` (any object with `write`) one after the other; `close()` ends
    the archive (and does not close `output`)."""

    limit_32 = LIMIT_32  # where ZIP64 starts; tests lower it to check the ZIP64 records
    limit_16 = LIMIT_16

    def __init__(self, output: BinaryIO):
        self.output = output
        self.offset = 0  # bytes written to `output`
        self.count = 0
        self.directory = tempfile.TemporaryFile(prefix="hl-zip-cd-")  # noqa: SIM115
        self.directory_size = 0
        self.stamp = _dos_time(time.localtime())

    def open(self, name: str, *, compress: bool = True) -> Member:
        return Member(self, name, DEFLATED if compress else STORED)

    def write_file(self, name: str, source: BinaryIO, *, compress: bool = False) -> None:
        """A member copied from a readable file (an image: stored as it is by default)."""
        with self.open(name, compress=compress) as member:
            while chunk := source.read(COPY_BUFFER):
                member.write(chunk)

    def _write(self, data: bytes) -> None:
        self.output.write(data)
        self.offset += len(data)

    def _add(self, name, method, crc, size, packed_size, data) -> None:
        encoded = name.encode()
        offset = self.offset
        big = size >= self.limit_32 or packed_size >= self.limit_32
        local_extra = struct.pack("<HHQQ", 1, 16, size, packed_size) if big else b""
        version = 45 if big else 20
        time_, date = self.stamp
        self._write(
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                version,
                UTF8_NAMES,
                method,
                time_,
                date,
                crc,
                LIMIT_32 if big else packed_size,
                LIMIT_32 if big else size,
                len(encoded),
                len(local_extra),
            )
            + encoded
            + local_extra
        )
        if isinstance(data, list):
            for chunk in data:
                self._write(chunk)
        else:
            while chunk := data.read(COPY_BUFFER):
                self._write(chunk)
        self._record(encoded, method, crc, size, packed_size, offset, time_, date)

    def _record(self, encoded, method, crc, size, packed_size, offset, time_, date) -> None:
        """The member's central directory record, kept on disk until the archive ends."""
        wide = []  # ZIP64 extra values, in the order the format gives them
        if size >= self.limit_32:
            wide.append(size)
        if packed_size >= self.limit_32:
            wide.append(packed_size)
        if offset >= self.limit_32:
            wide.append(offset)
        extra = struct.pack(f"<HH{len(wide)}Q", 1, 8 * len(wide), *wide) if wide else b""
        record = (
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                MADE_BY,
                45 if wide else 20,
                UTF8_NAMES,
                method,
                time_,
                date,
                crc,
                LIMIT_32 if packed_size >= self.limit_32 else packed_size,
                LIMIT_32 if size >= self.limit_32 else size,
                len(encoded),
                len(extra),
                0,
                0,
                0,
                UNIX_FILE,
                LIMIT_32 if offset >= self.limit_32 else offset,
            )
            + encoded
            + extra
        )
        self.directory.write(record)
        self.directory_size += len(record)
        self.count += 1

    def close(self) -> None:
        start = self.offset
        self.directory.seek(0)
        shutil.copyfileobj(self.directory, _Counted(self), COPY_BUFFER)
        self.directory.close()
        size = self.directory_size
        if self.count >= self.limit_16 or size >= self.limit_32 or start >= self.limit_32:
            end64 = self.offset
            self._write(
                struct.pack(
                    "<IQHHIIQQQQ",
                    0x06064B50,
                    44,
                    MADE_BY,
                    45,
                    0,
                    0,
                    self.count,
                    self.count,
                    size,
                    start,
                )
            )
            self._write(struct.pack("<IIQI", 0x07064B50, 0, end64, 1))
        self._write(
            struct.pack(
                "<IHHHHIIH",
                0x06054B50,
                0,
                0,
                min(self.count, LIMIT_16),
                min(self.count, LIMIT_16),
                min(size, LIMIT_32),
                min(start, LIMIT_32),
                0,
            )
        )


class _Counted:
    """`output`, counting what goes through (the central directory's copy)."""

    def __init__(self, archive: ZipArchive):
        self.archive = archive

    def write(self, data: bytes) -> None:
        self.archive._write(data)


def _dos_time(moment: time.struct_time) -> tuple[int, int]:
    year = max(moment.tm_year, 1980)
    date = ((year - 1980) << 9) | (moment.tm_mon << 5) | moment.tm_mday
    return (moment.tm_hour << 11) | (moment.tm_min << 5) | (moment.tm_sec // 2), date
