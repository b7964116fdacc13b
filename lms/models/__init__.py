"""All models, one module per aggregate, re-exported here so Alembic and callers see one namespace."""

from lms.db import Base
from lms.models.api_token import ApiIdempotencyKey, ApiToken
from lms.models.audit import AuditEvent
from lms.models.availability import Availability, AvailabilityWindow, DayOff
from lms.models.booking import Booking, GroupSession, SessionSeat
from lms.models.checkin import CheckIn, CheckinPlan, NextStep, PublicHoliday
from lms.models.lead import Lead, LeadEvent, LeadIdentity, LeadSettings
from lms.models.course import Course, CourseAsset, KnowledgeCheck, LearningPathItem, Lesson, LessonVersion
from lms.models.outbox import OutboxMessage
from lms.models.partner import Partner
from lms.models.support import SupportRequest
from lms.models.progress import Certificate, CheckAnswer, LessonCompletion
from lms.models.progress import CheckAttempt  # issue 15: every knowledge-check attempt kept
from lms.models.tier import Tier
from lms.models.survey import (
    Survey, SurveyAnswer, SurveyFollowUp, SurveyInvitation, SurveyQuestion, SurveyResponse, SurveySettings,
    SurveySuppression, SurveyVersion,
)
from lms.models.user import AccountToken, User
from lms.models import indexes  # noqa: F401  (composite indexes of the list pages, issue 12)
from lms.models.user import UserSession
from lms.models.plan import Plan, PlanGoal, PlanRevision, QuietSpell
from lms.models.workspace import AgendaItem, Document, DocumentVersion, Post, ThreadRead
from lms.models.webhook import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "Base", "AccountToken", "AuditEvent", "Availability", "AvailabilityWindow", "Booking", "DayOff",
    "GroupSession", "OutboxMessage", "Partner", "SessionSeat", "Tier", "User",
    "Certificate", "CheckAnswer", "Course", "CourseAsset", "KnowledgeCheck", "LearningPathItem", "Lesson",
    "LessonCompletion", "LessonVersion",
    "CheckIn", "CheckinPlan", "NextStep", "PublicHoliday", "SupportRequest",
    "Lead", "LeadEvent", "LeadIdentity", "LeadSettings",
    "UserSession",
    "Survey", "SurveyAnswer", "SurveyFollowUp", "SurveyInvitation", "SurveyQuestion", "SurveyResponse",
    "SurveySettings", "SurveySuppression", "SurveyVersion",
    "Plan", "PlanGoal", "PlanRevision", "QuietSpell",
    "AgendaItem", "Document", "DocumentVersion", "Post", "ThreadRead",
    "ApiIdempotencyKey", "ApiToken", "WebhookAttempt", "WebhookDelivery", "WebhookEndpoint",
]
__all__ += ["CheckAttempt"]
