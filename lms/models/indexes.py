"""Composite indexes the list pages and agendas read by, kept in one place with the query each serves.

Each was checked with EXPLAIN at benchmark scale (`flask demo scale`); bench/README.md records before/after.
"""

from sqlalchemy import Index, text

from lms.models.audit import AuditEvent
from lms.models.booking import Booking
from lms.models.checkin import CheckIn
from lms.models.partner import Partner
from lms.models.progress import Certificate
from lms.models.support import SupportRequest
from lms.models.user import User

SCALE_INDEXES = (
    # last_contact(): max(held_on) of held check-ins per partner, without reading every held check-in.
    Index("ix_checkins_partner_status_held", CheckIn.partner_id, CheckIn.status, CheckIn.held_on),
    # The manager's check-ins agenda: planned check-ins of one manager by due date.
    Index("ix_checkins_manager_status_due", CheckIn.manager_id, CheckIn.status, CheckIn.due_on),
    # last_contact(): the last held call per partner.
    Index("ix_bookings_partner_status_start", Booking.partner_id, Booking.status, Booking.starts_at),
    # The calls agenda: one manager's calls in a time window (any status, so not the live-only unique index).
    Index("ix_bookings_manager_start", Booking.manager_id, Booking.starts_at),
    # Support: a manager's answered requests, newest answer first.
    Index("ix_support_requests_manager_answered", SupportRequest.manager_id, SupportRequest.answered_at),
    # Support: a manager's open requests by deadline.
    Index("ix_support_requests_manager_open_due", SupportRequest.manager_id, SupportRequest.due_at,
          sqlite_where=text("answered_at IS NULL"), postgresql_where=text("answered_at IS NULL")),
    # Admin users list: ordered by role and name, filtered by role.
    Index("ix_users_role_name", User.role, User.name, User.id),
    # Partners list: a manager's partners, or one tier's, in name order.
    Index("ix_partners_manager_name", Partner.manager_id, Partner.name_key),
    Index("ix_partners_tier_name", Partner.tier_id, Partner.name_key),
    # A partner's timeline from the audit log, newest first.
    Index("ix_audit_events_partner_time", AuditEvent.partner_id, AuditEvent.occurred_at),
    # The audit log, newest first (ORDER BY occurred_at DESC, id DESC).
    Index("ix_audit_events_time_id", AuditEvent.occurred_at, AuditEvent.id),
    # A course's certificates, newest first.
    Index("ix_certificates_course_issued", Certificate.course_id, Certificate.issued_at),
)
