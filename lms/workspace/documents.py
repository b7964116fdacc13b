"""Workspace documents and programme resources: upload, version, download, with the type sniffed from the bytes.

Files live in the database (every web host sees them). A file is accepted only when its first bytes say it
is one of the allowed kinds (PDF, Office, OpenDocument, PNG/JPEG/GIF/WebP) AND its name's extension matches
that kind: a renamed HTML page, an SVG or a script is refused. Downloads are always attachments, with
`nosniff`, so a browser never renders one inline.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime

from flask import abort, current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from lms import audit
from lms.access import can_see_partner
from lms.db import utcnow
from lms.errors import DomainError
from lms.models import Document, DocumentVersion, Partner, Tier, User
from lms.models.workspace import document_tiers

MAX_UPLOAD_BYTES = 20 * 1024 * 1024

# sniffed kind -> (content type served, extensions a file of that kind may carry)
ALLOWED = {
    "pdf": ("application/pdf", {"pdf"}),
    "png": ("image/png", {"png"}),
    "jpeg": ("image/jpeg", {"jpg", "jpeg"}),
    "gif": ("image/gif", {"gif"}),
    "webp": ("image/webp", {"webp"}),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", {"docx"}),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {"xlsx"}),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", {"pptx"}),
    "odf": ("application/vnd.oasis.opendocument", {"odt", "ods", "odp"}),
    "ole": ("application/x-ole-storage", {"doc", "xls", "ppt"}),  # legacy Office
}
OLE_TYPES = {"doc": "application/msword", "xls": "application/vnd.ms-excel", "ppt": "application/vnd.ms-powerpoint"}
ODF_TYPES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
ACCEPT = ",".join(f".{ext}" for _type, exts in ALLOWED.values() for ext in sorted(exts))


class DocumentError(DomainError):
    field = "file"


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").startswith(b"application/vnd.oasis.opendocument"):
                return "odf"
            if "[Content_Types].xml" in names:
                for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
                    if any(name.startswith(prefix) for name in names):
                        return kind
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
    return None


def sniff(data: bytes) -> str | None:
    """The kind of file the bytes say this is (a key of ALLOWED), or None for anything else."""
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    return None


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    data: bytes


def check_file(filename: str, data: bytes) -> CheckedFile:
    """Refuse empty, oversized, unknown or mislabelled files; the content type comes from the bytes."""
    limit = current_app.config.get("WORKSPACE_MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES)
    if not data:
        raise DocumentError("Choose a file to upload (this one is empty).")
    if len(data) > limit:
        raise DocumentError(f"Files can be at most {limit // (1024 * 1024)} MB.")
    name = secure_filename(filename or "")[:200] or "file"
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = sniff(data)
    if kind is None:
        raise DocumentError("Only PDF, Office or OpenDocument files and PNG, JPEG, GIF or WebP images can be shared.")
    content_type, extensions = ALLOWED[kind]
    if extension not in extensions:
        raise DocumentError(f"This file's name ends in “.{extension}” but its content is a {kind.upper()} file. "
                            "Rename it to match what it is.")
    if kind == "ole":
        content_type = OLE_TYPES[extension]
    elif kind == "odf":
        content_type = ODF_TYPES[extension]
    return CheckedFile(name, content_type, data)


def served_type(version: DocumentVersion, data: bytes) -> str:
    """The type to serve, re-checked from the bytes: anything not on the allow-list goes out as octet-stream."""
    kind = sniff(data)
    if kind is None or version.content_type.split(";")[0] not in (
        {ALLOWED[kind][0]} | set(OLE_TYPES.values()) | set(ODF_TYPES.values())
    ):
        return "application/octet-stream"
    return version.content_type


# --- who may see and change what ----------------------------------------------------------------------

def can_see_document(user: User, document: Document, partner: Partner | None, tier_ids: set[int]) -> bool:
    if document.partner_id is not None:
        return partner is not None and can_see_partner(user, partner)
    if not user.is_partner:
        return True
    return not tier_ids or (user.partner is not None and user.partner.tier_id in tier_ids)


def load_document(db: Session, user: User, document_id: int) -> Document:
    """The load-or-404 helper for documents and resources."""
    document = db.get(Document, document_id)
    if document is None:
        abort(404)
    partner = db.get(Partner, document.partner_id) if document.partner_id else None
    tier_ids = set(db.scalars(select(document_tiers.c.tier_id).where(document_tiers.c.document_id == document.id)))
    if not can_see_document(user, document, partner, tier_ids):
        abort(404)
    return document


def load_version(db: Session, user: User, version_id: int) -> DocumentVersion:
    version = db.get(DocumentVersion, version_id)
    if version is None:
        abort(404)
    load_document(db, user, version.document_id)
    return version


def _check_may_change(actor: User, document: Document, partner: Partner | None) -> None:
    if document.partner_id is None:
        if not actor.is_admin:
            raise DocumentError("Only admins publish programme resources.")
    elif partner is None or not can_see_partner(actor, partner):
        raise DocumentError("You cannot change this partner's documents.")


# --- changing -----------------------------------------------------------------------------------------

def _one_line(title: str) -> str:
    title = (title or "").strip()
    if not title or "\r" in title or "\n" in title or "\x00" in title or len(title) > 200:
        raise DocumentError("Give the document a one-line title of at most 200 characters.", field="title")
    return title


def _add_version(db: Session, actor: User, document: Document, checked: CheckedFile, number: int,
                 now: datetime) -> DocumentVersion:
    version = DocumentVersion(
        document_id=document.id, number=number, filename=checked.filename, content_type=checked.content_type,
        size=len(checked.data), sha256=hashlib.sha256(checked.data).hexdigest(), data=checked.data,
        uploaded_by_id=actor.id, uploaded_by_name=actor.name, created_at=now,
    )
    try:
        with db.begin_nested():
            db.add(version)
    except IntegrityError:
        raise DocumentError("Someone uploaded a new version at the same moment; reload and try again.") from None
    return version


def upload_document(db: Session, actor: User, partner: Partner | None, *, title: str, filename: str, data: bytes,
                    tiers: list[Tier] = (), now: datetime | None = None) -> Document:
    """A new document in `partner`'s workspace, or (partner None, admins only) a programme resource."""
    now = now or utcnow()
    document = Document(partner_id=partner.id if partner else None, title=_one_line(title), latest_version=1,
                        created_by_id=actor.id, created_at=now, updated_at=now)
    _check_may_change(actor, document, partner)
    checked = check_file(filename, data)
    if partner is None:
        document.tiers = list(tiers)
    db.add(document)
    db.flush()
    _add_version(db, actor, document, checked, 1, now)
    where = partner.name if partner else "all partners" if not tiers else ", ".join(t.name for t in tiers) + " partners"
    audit.record(db, actor, "document.uploaded", document, f"Shared “{document.title}” with {where}",
                 partner_id=partner.id if partner else None)
    return document


def upload_version(db: Session, actor: User, document: Document, *, filename: str, data: bytes,
                   now: datetime | None = None) -> DocumentVersion:
    now = now or utcnow()
    partner = db.get(Partner, document.partner_id) if document.partner_id else None
    _check_may_change(actor, document, partner)
    checked = check_file(filename, data)
    document = db.scalars(select(Document).where(Document.id == document.id).with_for_update()
                          .execution_options(populate_existing=True)).one()
    document.latest_version += 1
    document.updated_at = now
    version = _add_version(db, actor, document, checked, document.latest_version, now)
    audit.record(db, actor, "document.version", document, f"Version {version.number} of “{document.title}”",
                 partner_id=document.partner_id)
    return version


def partner_documents(partner_id: int):
    """The statement listing a partner's documents, newest change first (paginate it)."""
    return (select(Document).where(Document.partner_id == partner_id)
            .order_by(Document.updated_at.desc(), Document.id.desc()))


def resources_for(user: User):
    """The statement listing the programme resources `user` may see (paginate it)."""
    stmt = select(Document).where(Document.partner_id.is_(None))
    if user.is_partner:
        published_to = select(document_tiers.c.document_id).where(document_tiers.c.document_id == Document.id)
        tier_id = select(Partner.tier_id).where(Partner.id == user.partner_id).scalar_subquery()
        stmt = stmt.where(or_(~published_to.exists(), published_to.where(document_tiers.c.tier_id == tier_id).exists()))
    return stmt.order_by(Document.updated_at.desc(), Document.id.desc())


def versions_of(db: Session, documents: list[Document]) -> dict[int, list[DocumentVersion]]:
    """Every version (without the bytes) of the listed documents, newest first: one query."""
    found: dict[int, list[DocumentVersion]] = {d.id: [] for d in documents}
    if documents:
        for version in db.scalars(select(DocumentVersion).where(DocumentVersion.document_id.in_(list(found)))
                                  .order_by(DocumentVersion.number.desc())):
            found[version.document_id].append(version)
    return found


def version_data(db: Session, version: DocumentVersion) -> bytes:
    return db.scalar(select(DocumentVersion.data).where(DocumentVersion.id == version.id))
