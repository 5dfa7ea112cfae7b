"""Attachments: types checked by content, size limit, storage without orphans, download rights."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from digiflow.core.db import db
from digiflow.core.roles import Role
from digiflow.measures import attachments
from digiflow.measures.attachments import (
    DOCX,
    JPEG,
    ODS,
    ODT,
    PDF,
    PNG,
    XLSX,
    UploadRefused,
    detect_content_type,
    display_filename,
)
from digiflow.measures.collaboration import add_attachment
from digiflow.measures.models import (
    Attachment,
    Decision,
    HistoryAction,
    HistoryEntry,
    Measure,
    Watch,
)
from digiflow.measures.operations import decide_approval, submit_measure
from digiflow.users.models import RoleAssignment, User
from tests.conftest import csrf_token
from tests.factories import PASSWORD, World, make_user

# -- small real files ----------------------------------------------------------------------

PDF_BYTES = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1 pixel, RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


JPEG_BYTES = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    b"\xff\xdb\x00\x43\x00" + bytes(range(64)) + b"\xff\xd9"
)


def zip_bytes(members: list[tuple[str, bytes]], stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(members):
            method = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return buffer.getvalue()


def content_types(main: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{main}"/>'
        "</Types>"
    ).encode()


def docx_bytes(main: str = DOCX + ".main+xml", extra: list[tuple[str, bytes]] = ()) -> bytes:
    return zip_bytes(
        [
            ("[Content_Types].xml", content_types(main)),
            ("_rels/.rels", b"<Relationships/>"),
            ("word/document.xml", b"<w:document><w:body><w:p/></w:body></w:document>"),
            *extra,
        ]
    )


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Kosten"
    workbook.active["B1"] = 250000
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def opendocument_bytes(mimetype: str) -> bytes:
    return zip_bytes(
        [
            ("mimetype", mimetype.encode()),
            ("content.xml", b"<office:document-content/>"),
            ("META-INF/manifest.xml", b"<manifest:manifest/>"),
        ],
        stored_first=True,
    )


ALLOWED = [
    ("konzept.pdf", PDF_BYTES, PDF),
    ("plan.png", png_bytes(), PNG),
    ("foto.jpg", JPEG_BYTES, JPEG),
    ("konzept.docx", docx_bytes(), DOCX),
    ("kosten.xlsx", xlsx_bytes(), XLSX),
    ("konzept.odt", opendocument_bytes(ODT), ODT),
    ("kosten.ods", opendocument_bytes(ODS), ODS),
]

REFUSED = [
    ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200),  # a renamed .exe
    ("bericht.pdf", b"<!doctype html><script>alert(1)</script>"),  # HTML named .pdf
    ("daten.docx", zip_bytes([("notes.txt", b"just a zip")])),  # a plain ZIP
    (
        "makro.docx",
        docx_bytes(main="application/vnd.ms-word.document.macroEnabled.main+xml"),
    ),
    ("makro2.docx", docx_bytes(extra=[("word/vbaProject.bin", b"\x00" * 100)])),
    ("folien.odt", opendocument_bytes("application/vnd.oasis.opendocument.presentation")),
    ("bomb.docx", docx_bytes(extra=[("word/media/zeros.bin", b"\x00" * (20 * 1024 * 1024))])),
    ("kaputt.docx", b"PK\x03\x04" + b"\x00" * 100),  # a damaged archive
    ("text.txt", b"Nur Text"),
]


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def upload_dir(app, tmp_path, monkeypatch) -> Path:
    directory = tmp_path / "uploads"  # created on first use
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(directory))
    return directory


@pytest.fixture
def world(app_ctx, upload_dir):
    world = World()
    db.session.commit()
    return world


def stored_files(directory: Path) -> list[Path]:
    return sorted(directory.iterdir()) if directory.exists() else []


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def upload(client, measure, name: str, content: bytes, kind: str = "concept"):
    page = client.get(f"/measures/{measure.id}").get_data(as_text=True)
    return client.post(
        f"/measures/{measure.id}/attachments",
        data={"kind": kind, "file": (io.BytesIO(content), name), "csrf_token": csrf_token(page)},
        content_type="multipart/form-data",
    )


# -- content detection ---------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "expected"), ALLOWED)
def test_detects_allowed_types_by_content(tmp_path, name, content, expected):
    path = tmp_path / "upload"
    path.write_bytes(content)
    assert detect_content_type(path) == expected


@pytest.mark.parametrize(("name", "content"), REFUSED)
def test_refuses_other_content(tmp_path, name, content):
    path = tmp_path / "upload"
    path.write_bytes(content)
    with pytest.raises(UploadRefused):
        detect_content_type(path)


def test_zip_with_too_much_uncompressed_data_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "upload"
    path.write_bytes(docx_bytes(extra=[("word/media/a.bin", bytes(range(256)) * 20)]))
    assert detect_content_type(path) == DOCX
    monkeypatch.setattr(attachments, "MAX_UNCOMPRESSED_BYTES", 4096)
    with pytest.raises(UploadRefused):
        detect_content_type(path)


def test_display_names_are_sanitized():
    assert display_filename("../../etc/passwd.pdf", PDF) == "passwd.pdf"
    assert display_filename("C:\\Users\\amt\\Konzept Überblick.pdf", PDF) == (
        "Konzept Überblick.pdf"
    )
    assert display_filename('<Bericht> "final"\r\n.pdf', PDF) == "Bericht final.pdf"
    assert display_filename("bericht.docx", PDF) == "bericht.docx.pdf"  # content counts
    assert display_filename("foto.JPEG", JPEG) == "foto.JPEG"
    assert display_filename("", ODT) == "Anhang.odt"
    assert len(display_filename("x" * 400 + ".pdf", PDF)) == 255


# -- upload through HTTP -------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "expected"), ALLOWED)
def test_upload_each_allowed_type(world, client, auth, upload_dir, name, content, expected):
    measure = world.measure()
    db.session.commit()
    auth.login(world.proposer.email, PASSWORD)
    response = upload(client, measure, name, content)
    assert response.status_code == 302
    attachment = db.session.scalars(sa.select(Attachment)).one()
    assert attachment.content_type == expected
    assert attachment.filename == name
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.uploaded_by_id == world.proposer.id
    assert stored_files(upload_dir) == [upload_dir / attachment.stored_name]
    assert len(attachment.stored_name) == 32 and name not in attachment.stored_name
    assert (upload_dir / attachment.stored_name).read_bytes() == content
    entry = db.session.scalars(
        sa.select(HistoryEntry).where(HistoryEntry.action == HistoryAction.attachment_added)
    ).one()
    assert entry.changes["filename"] == name

    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Der Anhang wurde gespeichert." in html
    assert f'/measures/{measure.id}/attachments/{attachment.id}"' in html
    assert "Anhang hinzugefügt" in html and "Konzept" in html


@pytest.mark.parametrize(("name", "content"), REFUSED)
def test_refused_uploads_store_nothing(world, client, auth, upload_dir, name, content):
    measure = world.measure()
    db.session.commit()
    auth.login(world.proposer.email, PASSWORD)
    response = upload(client, measure, name, content)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "nicht erlaubt" in html or "Archiv" in html
    assert count(Attachment) == 0
    assert stored_files(upload_dir) == []
    assert count(HistoryEntry) == 1  # only "created"


def test_upload_form_errors(world, client, auth, upload_dir):
    measure = world.measure()
    db.session.commit()
    auth.login(world.proposer.email, PASSWORD)
    page = client.get(f"/measures/{measure.id}").get_data(as_text=True)
    response = client.post(
        f"/measures/{measure.id}/attachments",
        data={"kind": "concept", "csrf_token": csrf_token(page)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Bitte wählen Sie eine Datei." in response.get_data(as_text=True)
    response = upload(client, measure, "leer.pdf", b"")
    assert response.status_code in (422,)
    response = upload(client, measure, "a.pdf", PDF_BYTES, kind="secret")
    assert response.status_code == 422
    assert count(Attachment) == 0 and stored_files(upload_dir) == []


def test_size_limit(world, client, auth, upload_dir, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1000)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000 + 64 * 1024)
    measure = world.measure()
    db.session.commit()
    auth.login(world.proposer.email, PASSWORD)
    response = upload(client, measure, "gross.pdf", PDF_BYTES + b"%" * 2000)
    assert response.status_code == 413
    assert "Die Datei ist zu groß" in response.get_data(as_text=True)
    # larger than the whole request may be: refused before the form is read
    response = upload(client, measure, "riesig.pdf", PDF_BYTES + b"%" * (200 * 1024))
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Die Datei ist zu groß" in html and "<h1>E-Akte einführen</h1>" in html
    assert count(Attachment) == 0 and stored_files(upload_dir) == []
    # just under the limit is fine
    assert upload(client, measure, "klein.pdf", PDF_BYTES).status_code == 302


def test_too_large_request_on_a_page_with_more_forms(
    world, client, auth, upload_dir, app, monkeypatch
):
    """The page with every panel (actions, the committee panel): the body is not read again."""
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1000)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000 + 64 * 1024)
    office = make_user(Role.digitalization_office, (Role.committee_secretary, world.specialist))
    measure = world.measure()
    submit_measure(measure, actor=world.proposer)
    for actor in (world.head, world.office, world.finance, world.office2):
        decide_approval(measure, actor=actor, decision=Decision.approve)
    assert measure.state == "committee_recommendation"
    db.session.commit()
    auth.login(office.email, PASSWORD)
    assert "Beratung in den Gremien" in client.get(f"/measures/{measure.id}").get_data(as_text=True)
    response = upload(client, measure, "riesig.pdf", PDF_BYTES + b"%" * (200 * 1024))
    assert response.status_code == 413
    assert "Die Datei ist zu groß" in response.get_data(as_text=True)
    assert count(Attachment) == 0 and stored_files(upload_dir) == []


def test_only_those_who_may_attach_can_upload(world, client, auth, upload_dir):
    stranger = make_user((Role.proposer, world.other_dept), department=world.other_dept)
    measure = world.measure()
    db.session.commit()
    auth.login(world.council.email, PASSWORD)
    page = client.get(f"/measures/{measure.id}").get_data(as_text=True)
    assert "Anhang hochladen" not in page
    assert upload(client, measure, "a.pdf", PDF_BYTES).status_code == 403
    auth.logout()
    auth.login(stranger.email, PASSWORD)
    response = client.post(
        f"/measures/{measure.id}/attachments",
        data={
            "kind": "concept",
            "file": (io.BytesIO(PDF_BYTES), "a.pdf"),
            "csrf_token": csrf_token(client.get("/").get_data(as_text=True)),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    assert count(Attachment) == 0 and stored_files(upload_dir) == []


# -- download ------------------------------------------------------------------------------


def test_download_with_safe_headers_for_those_who_may_see(world, client, auth):
    stranger = make_user((Role.proposer, world.other_dept), department=world.other_dept)
    measure = world.measure()
    other = world.measure(title="Andere")
    db.session.commit()
    auth.login(world.proposer.email, PASSWORD)
    assert upload(client, measure, "Konzept Überblick.pdf", PDF_BYTES).status_code == 302
    attachment = db.session.scalars(sa.select(Attachment)).one()
    url = f"/measures/{measure.id}/attachments/{attachment.id}"

    with client.get(url) as response:
        assert response.status_code == 200
        assert response.data == PDF_BYTES
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Konzept%20%C3%9Cberblick.pdf" in disposition
    assert "no-store" in response.headers["Cache-Control"]
    # through the wrong measure: not found
    assert client.get(f"/measures/{other.id}/attachments/{attachment.id}").status_code == 404
    auth.logout()

    auth.login(world.council.email, PASSWORD)  # reads every measure
    with client.get(url) as response:
        assert response.status_code == 200
    auth.logout()

    auth.login(stranger.email, PASSWORD)
    assert client.get(url).status_code == 404
    auth.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_delete_is_soft_and_only_for_uploader_or_office(world, client, auth, upload_dir):
    measure = world.measure()
    db.session.commit()
    auth.login(world.proposer.email, PASSWORD)
    upload(client, measure, "a.pdf", PDF_BYTES)
    upload(client, measure, "b.pdf", PDF_BYTES)
    first, second = db.session.scalars(sa.select(Attachment).order_by(Attachment.id)).all()
    auth.logout()

    auth.login(world.head.email, PASSWORD)  # may see and attach, but did not upload
    page = client.get(f"/measures/{measure.id}").get_data(as_text=True)
    assert f"/attachments/{first.id}/delete" not in page
    response = client.post(
        f"/measures/{measure.id}/attachments/{first.id}/delete",
        data={"csrf_token": csrf_token(page)},
    )
    assert response.status_code == 403
    assert "Anhänge entfernen dürfen nur" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Attachment, first.id).deleted_at is None
    auth.logout()

    auth.login(world.proposer.email, PASSWORD)
    page = client.get(f"/measures/{measure.id}").get_data(as_text=True)
    assert f"/attachments/{first.id}/delete" in page
    response = client.post(
        f"/measures/{measure.id}/attachments/{first.id}/delete",
        data={"csrf_token": csrf_token(page)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    removed = db.session.get(Attachment, first.id)
    assert removed.deleted_at is not None
    assert (upload_dir / removed.stored_name).exists()  # kept for the record
    assert client.get(f"/measures/{measure.id}/attachments/{first.id}").status_code == 404
    page = client.get(f"/measures/{measure.id}").get_data(as_text=True)
    assert "Anhang entfernt" in page and ">b.pdf<" in page and ">a.pdf<" not in page
    entry = db.session.scalars(
        sa.select(HistoryEntry).where(HistoryEntry.action == HistoryAction.attachment_removed)
    ).one()
    assert entry.actor_id == world.proposer.id and entry.changes["attachment_id"] == first.id
    auth.logout()

    auth.login(world.office.email, PASSWORD)
    page = client.get(f"/measures/{measure.id}").get_data(as_text=True)
    response = client.post(
        f"/measures/{measure.id}/attachments/{second.id}/delete",
        data={"csrf_token": csrf_token(page)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Attachment, second.id).deleted_at is not None


# -- no orphan files -----------------------------------------------------------------------


def test_no_orphan_file_when_the_transaction_is_rolled_back(world, upload_dir):
    measure = db.session.get(Measure, world.measure().id)
    db.session.commit()
    add_attachment(
        measure,
        actor=world.proposer,
        kind="concept",
        filename="a.pdf",
        stream=io.BytesIO(PDF_BYTES),
    )
    assert len(stored_files(upload_dir)) == 1
    db.session.rollback()
    assert stored_files(upload_dir) == []

    # a savepoint inside the transaction does not decide about the file
    add_attachment(
        measure,
        actor=world.proposer,
        kind="concept",
        filename="b.pdf",
        stream=io.BytesIO(PDF_BYTES),
    )
    with db.session.begin_nested():
        db.session.add(Watch(measure_id=measure.id, user_id=world.office.id))
    db.session.rollback()
    assert stored_files(upload_dir) == []

    # committed: the file stays
    attachment = add_attachment(
        measure,
        actor=world.proposer,
        kind="report",
        filename="c.pdf",
        stream=io.BytesIO(PDF_BYTES),
    )
    db.session.commit()
    assert stored_files(upload_dir) == [upload_dir / attachment.stored_name]


def test_no_orphan_file_when_the_commit_fails(world, upload_dir):
    measure = world.measure()
    db.session.add(Watch(measure_id=measure.id, user_id=world.office.id))
    db.session.commit()
    add_attachment(
        measure,
        actor=world.proposer,
        kind="concept",
        filename="a.pdf",
        stream=io.BytesIO(PDF_BYTES),
    )
    db.session.add(Watch(measure_id=measure.id, user_id=world.office.id))  # a duplicate
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert stored_files(upload_dir) == []
    assert count(Attachment) == 0


def test_no_orphan_file_when_the_row_cannot_be_written(world, upload_dir):
    measure = world.measure()
    db.session.commit()
    ghost = User(id=999_999, email="ghost@example.org", name="Ghost", is_active_account=True)
    ghost.role_assignments = [RoleAssignment(role=Role.digitalization_office)]
    with pytest.raises(sa.exc.IntegrityError):  # the uploader does not exist
        add_attachment(
            measure, actor=ghost, kind="concept", filename="a.pdf", stream=io.BytesIO(PDF_BYTES)
        )
    assert stored_files(upload_dir) == []
    db.session.rollback()
    assert count(Attachment) == 0
