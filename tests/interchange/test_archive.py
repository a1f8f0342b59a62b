"""The exports' ZIP writer (`frames.archive`), read back by Python's zipfile and Info-ZIP's unzip."""

import io
import shutil
import subprocess
import zipfile

import pytest

from frames.archive import SMALL, ZipArchive


class Unseekable:
    """An output that only grows, as an S3 multipart upload does."""

    def __init__(self):
        self.buffer = io.BytesIO()

    def write(self, data: bytes) -> int:
        return self.buffer.write(data)


def build(members: dict[str, bytes], archive_type=ZipArchive) -> bytes:
    output = Unseekable()
    archive = archive_type(output)
    for name, data in members.items():
        with archive.open(name, compress=not name.endswith(".png")) as member:
            for start in range(0, len(data), 100_000):
                member.write(data[start : start + 100_000])
    archive.close()
    return output.buffer.getvalue()


def read_back(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def test_members_come_back_as_written_in_order():
    members = {
        "data.yaml": b"names: [car]\n",
        "labels/ünï cödé.txt": b"0 0.5 0.5 0.1 0.1\n" * 3,
        "labels/empty.txt": b"",
        "images/a.png": bytes(range(256)) * 10,
    }
    assert read_back(build(members)) == members
    with zipfile.ZipFile(io.BytesIO(build(members))) as archive:
        assert archive.namelist() == list(members)
        info = archive.getinfo("images/a.png")
        assert info.compress_type == zipfile.ZIP_STORED
        assert archive.getinfo("labels/ünï cödé.txt").flag_bits & 0x800  # UTF-8 name


def test_a_member_bigger_than_memory_allows_is_staged_on_disk():
    big = b"".join(b"%08d some text that compresses\n" % n for n in range(SMALL // 20))
    assert len(big) > SMALL
    data = build({"big.json": big, "after.txt": b"x"})
    assert read_back(data) == {"big.json": big, "after.txt": b"x"}
    assert len(data) < len(big) // 4  # deflated


def test_a_member_added_while_another_is_open_enters_after_it_closes():
    output = Unseekable()
    archive = ZipArchive(output)
    annotations = archive.open("annotations.json")
    annotations.write(b'{"images": [')
    archive.write_file("images/1.png", io.BytesIO(b"\x89PNG one"))
    annotations.write(b"]}")
    annotations.close()
    archive.close()
    assert read_back(output.buffer.getvalue()) == {
        "images/1.png": b"\x89PNG one",
        "annotations.json": b'{"images": []}',
    }


class Tiny64(ZipArchive):
    """ZIP64 from a few bytes and members on: the records a 4 GB export needs, in a test."""

    limit_32 = 50
    limit_16 = 3


def test_zip64_records_are_read_by_zipfile():
    members = {f"m{n}.txt": (b"line %d\n" % n) * 20 for n in range(5)}
    assert read_back(build(members, Tiny64)) == members


@pytest.mark.skipif(shutil.which("unzip") is None, reason="needs Info-ZIP unzip")
@pytest.mark.parametrize("archive_type", [ZipArchive, Tiny64])
def test_unzip_finds_no_error(tmp_path, archive_type):
    path = tmp_path / "export.zip"
    path.write_bytes(build({f"d/m{n}.txt": b"abc" * n for n in range(6)}, archive_type))
    result = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No errors detected" in result.stdout


def test_more_members_than_a_zip_without_zip64_holds():
    output = Unseekable()
    archive = ZipArchive(output)
    for n in range(70_000):
        with archive.open(f"labels/{n}.txt") as member:
            member.write(b"")
    archive.close()
    with zipfile.ZipFile(io.BytesIO(output.buffer.getvalue())) as read:
        names = read.namelist()
    assert len(names) == 70_000
    assert names[-1] == "labels/69999.txt"
