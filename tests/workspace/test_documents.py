"""Documents: sniffed types against an allow-list, 20 MB, versions, attachments only, no other organisation."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from lms.models import Document, DocumentVersion
from lms.workspace import documents
from tests.workspace.factories import PDF, document

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _upload(client, partner_id: int, data: bytes, filename: str, title: str = "Flyer"):
    return client.post(f"/workspace/partners/{partner_id}/documents",
                       data={"title": title, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("data,name,kind", [(PDF, "a.pdf", "application/pdf"), (PNG, "a.png", "image/png"),
                                            (_docx(), "a.docx", "wordprocessingml")])
def test_allowed_files_are_accepted_with_the_sniffed_type(app, data, name, kind):
    assert kind in documents.check_file(name, data).content_type


@pytest.mark.parametrize("data,name", [(HTML, "flyer.pdf"), (HTML, "page.html"), (SVG, "logo.svg"),
                                       (SVG, "logo.png"), (PDF, "prices.html"), (b"MZ\x90\x00", "tool.exe")])
def test_html_svg_and_renamed_files_are_refused(app, data, name):
    with pytest.raises(documents.DocumentError):
        documents.check_file(name, data)


def test_upload_of_a_renamed_html_file_is_refused_beside_the_field(client, auth, db, make):
    user = make.partner_user()
    db.commit()
    auth.login_as(user)
    response = _upload(client, user.partner_id, HTML, "flyer.pdf")
    assert response.status_code == 400 and "Only PDF, Office" in response.get_data(as_text=True)
    assert db.scalar(select(func.count(Document.id))) == 0


def test_files_over_20_mb_are_refused(app):
    assert documents.MAX_UPLOAD_BYTES == 20 * 1024 * 1024
    documents.check_file("a.pdf", PDF + b"0" * (20 * 1024 * 1024 - len(PDF)))  # exactly 20 MB is fine
    with pytest.raises(documents.DocumentError, match="at most 20 MB"):
        documents.check_file("a.pdf", PDF + b"0" * (20 * 1024 * 1024))


def test_an_oversized_upload_is_refused_beside_the_field_and_nothing_is_stored(client, auth, db, make, app):
    app.config["WORKSPACE_MAX_UPLOAD_BYTES"] = 1024  # the same rule at a size a test can send
    user = make.partner_user()
    db.commit()
    auth.login_as(user)
    response = _upload(client, user.partner_id, PDF + b"0" * 2000, "big.pdf")
    assert response.status_code == 400 and "at most" in response.get_data(as_text=True)
    response = _upload(client, user.partner_id, PDF + b"0" * 100_000, "huge.pdf")  # refused before reading
    assert response.status_code == 413 and "at most" in response.get_data(as_text=True)
    assert db.scalar(select(func.count(Document.id))) == 0


def test_upload_version_and_download_as_attachment(client, auth, db, make):
    user = make.partner_user()
    db.commit()
    auth.login_as(user)
    assert _upload(client, user.partner_id, PDF, "prices.pdf", "Price list").status_code == 302
    doc = db.scalar(select(Document))
    response = client.post(f"/workspace/documents/{doc.id}/versions",
                           data={"file": (io.BytesIO(PDF + b"% v2\n"), "prices-2026.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    versions = db.scalars(select(DocumentVersion).order_by(DocumentVersion.number)).all()
    assert [v.number for v in versions] == [1, 2]
    download = client.get(f"/workspace/files/{versions[1].id}")
    assert download.status_code == 200 and download.data.endswith(b"% v2\n")
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_a_stored_svg_is_never_served_inline(client, auth, db, make):
    """Even a file that got in some other way goes out as an octet-stream attachment."""
    user = make.partner_user()
    doc = document(db, user.partner, user, data=SVG, filename="logo.svg", content_type="image/svg+xml")
    db.commit()
    auth.login_as(user)
    version = db.scalar(select(DocumentVersion).where(DocumentVersion.document_id == doc.id))
    response = client.get(f"/workspace/files/{version.id}")
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_resources_reach_only_the_tiers_they_are_published_to(client, auth, db, make):
    admin = make.admin()
    gold = make.partner_user("gold")
    bronze = make.partner_user("bronze")
    documents.upload_document(db, admin, None, title="Gold playbook", filename="gold.pdf", data=PDF,
                              tiers=[make.tier("gold")])
    documents.upload_document(db, admin, None, title="Brand kit", filename="brand.pdf", data=PDF)
    db.commit()
    auth.login_as(gold)
    page = client.get("/workspace/resources").get_data(as_text=True)
    assert "Gold playbook" in page and "Brand kit" in page
    auth.logout()
    auth.login_as(bronze)
    page = client.get("/workspace/resources").get_data(as_text=True)
    assert "Gold playbook" not in page and "Brand kit" in page
    gold_doc = db.scalar(select(Document).where(Document.title == "Gold playbook"))
    assert client.get(f"/workspace/documents/{gold_doc.id}").status_code == 404


def test_only_admins_publish_resources(db, make):
    with pytest.raises(documents.DocumentError):
        documents.upload_document(db, make.manager(), None, title="Mine", filename="a.pdf", data=PDF)
