"""Demo workspaces: a document, a conversation and agenda items per demo partner, and a programme-wide
resource. Idempotent (loading twice adds nothing twice). After the plans demo (it reads its partner admins)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.models import Document, Partner, Post, User
from lms.workspace import agenda, documents, thread

DEMO_PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] "
            b"/Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
DEMO_USERS = ("bronze@example.com", "gold@example.com", "platinum@example.com")


def load_workspace_demo(db: Session) -> None:
    for user in db.scalars(select(User).where(User.email.in_(DEMO_USERS)).order_by(User.id)):
        partner = db.get(Partner, user.partner_id)
        _workspace(db, partner, user, db.get(User, partner.manager_id))
    admin = db.scalar(select(User).where(User.email == "admin@example.com"))
    if admin is not None and not db.scalar(select(Document.id).where(Document.partner_id.is_(None))):
        documents.upload_document(db, admin, None, title="Partner brand kit", filename="brand-kit.pdf", data=DEMO_PDF)


def _workspace(db: Session, partner: Partner, user: User, manager: User) -> None:
    if db.scalar(select(Document.id).where(Document.partner_id == partner.id)) is None:
        documents.upload_document(db, manager, partner, title=f"{partner.name} partnership agreement",
                                  filename="agreement.pdf", data=DEMO_PDF)
    if db.scalar(select(Post.id).where(Post.partner_id == partner.id)) is None:
        thread.post_message(db, manager, partner, "Welcome! The signed agreement is in Documents. "
                                                  "Our partner guide: https://example.com/partner-guide")
        thread.post_message(db, user, partner, "Thanks. Could we talk about co-marketing at the next check-in?")
        agenda.add_item(db, user, partner, "Co-marketing budget for next quarter")
        agenda.add_item(db, manager, partner, "Pipeline review: leads registered so far")
