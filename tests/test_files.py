"""Safe file access: paths that escape, FIFOs, sizes, encodings."""

from __future__ import annotations

import os

import pytest

from cim_cli.load import files
from cim_cli.model import MISSING, NOT_REGULAR, OK, UNSAFE


@pytest.fixture
def root(tmp_path):
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "a.pdf").write_bytes(b"%PDF")
    return os.path.realpath(tmp_path)


@pytest.mark.parametrize(
    "rel",
    ["/etc/passwd", "\\\\server\\share\\x", "C:\\Users\\x.pdf", "c:/x.pdf", "../x", "evidence/../../x", "evidence\\..\\..\\x", "", "a\x00b"],
)
def test_unsafe_spellings(root, rel):
    assert files.resolve(root, rel).status == UNSAFE


def test_regular_file_inside(root):
    r = files.resolve(root, "evidence/a.pdf")
    assert (r.status, r.size) == (OK, 4)


def test_missing(root):
    assert files.resolve(root, "evidence/b.pdf").status == MISSING


def test_symlink_out_of_the_portfolio_is_unsafe(root, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.txt"
    outside.write_text("secret")
    os.symlink(outside, os.path.join(root, "evidence", "link.pdf"))
    assert files.resolve(root, "evidence/link.pdf").status == UNSAFE


def test_symlink_inside_the_portfolio_is_fine(root):
    os.symlink("a.pdf", os.path.join(root, "evidence", "alias.pdf"))
    assert files.resolve(root, "evidence/alias.pdf").status == OK


def test_fifo_is_never_opened(root):
    fifo = os.path.join(root, "evidence", "pipe.pdf")
    os.mkfifo(fifo)
    assert files.resolve(root, "evidence/pipe.pdf").status == NOT_REGULAR
    # Even when asked directly, reading does not block.
    with pytest.raises(files.ReadError) as info:
        files.read_bytes(fifo, 100)
    assert info.value.rule == "path-unsafe"


def test_folder_is_not_regular(root):
    assert files.resolve(root, "evidence").status == NOT_REGULAR


def test_size_cap(root):
    big = os.path.join(root, "big.md")
    with open(big, "wb") as fh:
        fh.write(b"x" * 101)
    with pytest.raises(files.ReadError) as info:
        files.read_bytes(big, 100)
    assert info.value.rule == "file-too-large"


@pytest.mark.parametrize(
    "data, text",
    [(b"\xef\xbb\xbfhello", "hello"), ("Åsa".encode(), "Åsa"), (b"", "")],
)
def test_utf8_with_or_without_bom(data, text):
    assert files.decode_text(data) == text


def test_latin1_is_an_encoding_problem_with_line_and_column():
    with pytest.raises(files.ReadError) as info:
        files.decode_text("line one\nK\u00f6ln".encode("latin-1"))
    assert (info.value.rule, info.value.line, info.value.column) == ("encoding", 2, 2)


def test_utf16_is_an_encoding_problem():
    with pytest.raises(files.ReadError) as info:
        files.decode_text("hello".encode("utf-16"))
    assert info.value.rule == "encoding"
