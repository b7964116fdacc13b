"""Composite indexes the list pages and agendas read by, kept in one place with the query each serves.

Each one was kept because EXPLAIN ANALYZE at benchmark scale (`flask demo scale`, bench/explain.py) showed
the plan change; the candidates that the planner did not use are listed in bench/README.md.
"""

from sqlalchemy import Index, text

from lms.models.audit import AuditEvent
from lms.models.checkin import CheckIn
from lms.models.lead import Lead
from lms.models.progress import Certificate
from lms.models.support import SupportRequest
from lms.models.user import User

SCALE_INDEXES = (
    # The manager's check-ins agenda: planned check-ins of one manager by due date.
    Index("ix_checkins_manager_status_due", CheckIn.manager_id, CheckIn.status, CheckIn.due_on),
    # Support: a manager's answered requests, newest answer first.
    Index("ix_support_requests_manager_answered", SupportRequest.manager_id, SupportRequest.answered_at),
    # Admin users list: ordered by role and name, filtered by role.
    Index("ix_users_role_name", User.role, User.name, User.id),
    # A partner's timeline from the audit log, newest first.
    Index("ix_audit_events_partner_time", AuditEvent.partner_id, AuditEvent.occurred_at),
    # A course's certificates, newest first.
    Index("ix_certificates_course_issued", Certificate.course_id, Certificate.issued_at),
    # Overdue check-ins (the dashboard's short list, any set of partners): planned ones by due date. Without it
    # the planner walks ix_checkins_due_on through every held check-in (migration 0015).
    Index("ix_checkins_planned_due", CheckIn.due_on, CheckIn.partner_id,
          postgresql_where=text("status = 'planned'"), sqlite_where=text("status = 'planned'")),
    # The leads list, newest first, for any viewer and filter (migration 0015).
    Index("ix_leads_registered", Lead.registered_at, Lead.id),
)
