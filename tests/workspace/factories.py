"""Factories for workspace records (used by tests/workspace and the authorization walk)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lms.models import Document, DocumentVersion, Partner, Post, User

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def document(db: Session, partner: Partner | None, user: User, *, title: str = "Price list",
             data: bytes = PDF, filename: str = "prices.pdf", content_type: str = "application/pdf") -> Document:
    doc = Document(partner_id=partner.id if partner else None, title=title, latest_version=1, created_by_id=user.id)
    db.add(doc)
    db.flush()
    db.add(DocumentVersion(document_id=doc.id, number=1, filename=filename, content_type=content_type,
                           size=len(data), sha256="0" * 64, data=data, uploaded_by_id=user.id,
                           uploaded_by_name=user.name))
    db.flush()
    return doc


def post(db: Session, partner: Partner, user: User, body: str = "Hello") -> Post:
    item = Post(partner_id=partner.id, author_id=user.id, author_name=user.name,
                author_side="partner" if user.is_partner else "vendor", body=body)
    db.add(item)
    db.flush()
    return item


def foreign_values(db: Session, make, other_partner: Partner, other_user: User) -> dict[str, object]:
    """Organisation B's plan revision, document and file version, for the authorization walk."""
    from tests.plans.factories import agreed_plan

    _plan, revision, _owner = agreed_plan(db, make, other_partner)
    doc = document(db, other_partner, other_user, title="Zebra secret price list")
    post(db, other_partner, other_user, body="Zebra secret message")
    version_id = db.query(DocumentVersion.id).filter(DocumentVersion.document_id == doc.id).scalar()
    return {"revision_id": revision.id, "document_id": doc.id, "version_id": version_id}
