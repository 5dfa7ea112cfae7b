"""Attachment files: what a file is (told by its content, never by its name) and where it is kept.

Files are stored under ``UPLOAD_DIR`` (outside the web root) with a random name. A file written
in a transaction that does not commit is removed again (see :func:`remove_unless_committed`),
so a failed upload leaves no orphan on disk.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, SessionTransaction

from digiflow.core.errors import ValidationFailed

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"

#: The content types digiflow accepts, with their short name and file name extensions.
ALLOWED_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    PDF: ("PDF", (".pdf",)),
    DOCX: ("DOCX", (".docx",)),
    ODT: ("ODT", (".odt",)),
    XLSX: ("XLSX", (".xlsx",)),
    ODS: ("ODS", (".ods",)),
    PNG: ("PNG", (".png",)),
    JPEG: ("JPEG", (".jpg", ".jpeg")),
}

#: Limits when looking into ZIP containers (DOCX, XLSX, ODT, ODS): a zip bomb is refused.
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
MAX_COMPRESSION_RATIO = 200  # for members above 1 MiB; office XML compresses about 10:1
MAX_INSPECTED_MEMBER = 1024 * 1024

_OOXML_MAIN = {
    DOCX: (
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "word/",
    ),
    XLSX: (b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "xl/"),
}
_STORED_NAME = re.compile(r"^[0-9a-f]{32}$")
_CHUNK = 64 * 1024
_PENDING = "digiflow.uncommitted_files"


class UploadRefused(ValidationFailed):
    """The uploaded file is not accepted (type, content, emptiness)."""

    code = "upload_refused"


class UploadTooLarge(UploadRefused):
    """The uploaded file is larger than ``MAX_UPLOAD_BYTES``."""

    http_status = 413
    code = "upload_too_large"


def too_large(max_bytes: int) -> UploadTooLarge:
    megabytes = max_bytes / (1024 * 1024)
    shown = f"{megabytes:.0f}" if megabytes >= 1 else f"{megabytes:.2f}"
    return UploadTooLarge(
        f"Die Datei ist zu groß: höchstens {shown.replace('.', ',')} MB sind erlaubt.",
        f"The file is too large: at most {shown} MB are allowed.",
    )


def _refused_type() -> UploadRefused:
    return UploadRefused(
        "Dieser Dateityp ist nicht erlaubt. Erlaubt sind PDF, DOCX, ODT, XLSX, ODS, PNG und "
        "JPEG; maßgeblich ist der Inhalt der Datei, nicht ihr Name.",
        "This file type is not allowed. Allowed are PDF, DOCX, ODT, XLSX, ODS, PNG and JPEG; "
        "the file's content counts, not its name.",
    )


def _refused_archive() -> UploadRefused:
    return UploadRefused(
        "Die Datei ist ein beschädigtes oder verdächtiges Archiv (z. B. extrem stark "
        "komprimiert) und wurde nicht angenommen.",
        "The file is a damaged or suspicious archive (e.g. extremely compressed) and was "
        "not accepted.",
    )


def type_label(content_type: str) -> str:
    """The short name of a content type: PDF, DOCX, ..."""
    return ALLOWED_TYPES.get(content_type, (content_type, ()))[0]


# -- content detection ---------------------------------------------------------------------


def detect_content_type(path: Path) -> str:
    """Return the content type of the file at ``path``, or raise UploadRefused."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _detect_zip(path)
    raise _refused_type()


def _detect_zip(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            _check_archive(members)
            if members and members[0].filename == "mimetype":
                return _opendocument_type(archive, members[0])
            names = {m.filename for m in members}
            if "[Content_Types].xml" in names:
                return _ooxml_type(archive, archive.getinfo("[Content_Types].xml"), names)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        RuntimeError,
        NotImplementedError,
        EOFError,
        OSError,
        ValueError,
    ) as exc:  # damaged, encrypted or unsupported
        raise _refused_archive() from exc
    raise _refused_type()


def _check_archive(members: list[zipfile.ZipInfo]) -> None:
    """Refuse zip bombs: too many members, too much data or too strong compression."""
    if len(members) > MAX_ZIP_ENTRIES:
        raise _refused_archive()
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > 1024 * 1024 and (
            member.compress_size == 0
            or member.file_size / member.compress_size > MAX_COMPRESSION_RATIO
        ):
            raise _refused_archive()
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _refused_archive()


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int) -> bytes:
    """Read at most ``limit`` bytes of a member (never trust the declared size)."""
    if member.file_size > limit:
        raise _refused_archive()
    with archive.open(member) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise _refused_archive()
    return data


def _opendocument_type(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> str:
    mimetype = _read_member(archive, member, 200)
    for content_type in (ODT, ODS):
        if mimetype == content_type.encode("ascii"):
            return content_type
    raise _refused_type()


def _ooxml_type(archive: zipfile.ZipFile, member: zipfile.ZipInfo, names: set[str]) -> str:
    types = _read_member(archive, member, MAX_INSPECTED_MEMBER)
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise _refused_type()  # macros
    for content_type, (main, folder) in _OOXML_MAIN.items():
        if b'"' + main + b'"' in types and any(n.startswith(folder) for n in names):
            return content_type
    raise _refused_type()


# -- names ---------------------------------------------------------------------------------


def display_filename(raw: str | None, content_type: str) -> str:
    """Make the uploader's file name safe to show and to offer for download.

    Keeps letters of any language, drops paths, control and reserved characters, and makes the
    extension match the detected content.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(
        " " if unicodedata.category(c).startswith(("C", "Z")) else c
        for c in name
        if c not in '<>:"|?*'
    )
    name = " ".join(name.split()).strip(" .")
    extensions = ALLOWED_TYPES[content_type][1]
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if f".{ext.lower()}" not in extensions:
        stem, ext = name, extensions[0].lstrip(".")
    stem = stem[: 255 - len(ext) - 1].strip(" .") or "Anhang"
    return f"{stem}.{ext}"


# -- storage -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    path: Path
    content_type: str
    size: int
    sha256: str


def upload_dir() -> Path:
    """The folder for attachment files (created if missing, readable by digiflow only)."""
    directory = Path(current_app.config["UPLOAD_DIR"])
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory


def stored_path(stored_name: str) -> Path:
    """The path of a stored file; refuses anything but a generated name."""
    if not _STORED_NAME.match(stored_name):
        raise ValueError(f"not a stored file name: {stored_name!r}")
    return upload_dir() / stored_name


def store_upload(stream: BinaryIO, max_bytes: int) -> StoredFile:
    """Write ``stream`` under a random name, check its size and content; remove it if refused."""
    directory = upload_dir()
    stored_name = secrets.token_hex(16)
    partial = directory / f"{stored_name}.part"
    final = directory / stored_name
    digest = hashlib.sha256()
    size = 0
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise too_large(max_bytes)
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise UploadRefused("Die Datei ist leer.", "The file is empty.")
        content_type = detect_content_type(partial)
        os.replace(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return StoredFile(stored_name, final, content_type, size, digest.hexdigest())


def remove_unless_committed(session: Session, path: Path) -> None:
    """Remove the file at ``path`` when the session's transaction ends without a commit."""
    session.info.setdefault(_PENDING, []).append(path)


@sa.event.listens_for(Session, "after_commit")
def _keep_committed_files(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint was released; the outer one decides
        return
    session.info.pop(_PENDING, None)


@sa.event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted_files(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:  # a savepoint; the outer transaction decides
        return
    for path in session.info.pop(_PENDING, []):
        path.unlink(missing_ok=True)
