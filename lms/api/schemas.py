"""Request and response models: they validate input and are the OpenAPI document's schemas."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from lms.dashboard.health import HEALTH_BANDS, PARTS
from lms.dashboard.service import NOT_INVITED, STAGES
from lms.leads.commission import CURRENCIES

# One-line text: no NUL, no CR/LF. Text: no NUL.
Line = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[^\x00-\x1f\x7f]*$")]
Text = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$", max_length=5000)]
Currency = Literal[CURRENCIES]  # type: ignore[valid-type]
Money = Annotated[Decimal, Field(ge=0, lt=Decimal("1e15"), max_digits=18, decimal_places=3)]
Cursor = Annotated[str, Field(max_length=64, description="The `next` link's cursor (opaque)")]
Limit = Annotated[int, Field(ge=1, le=100, description="Items per page (default 50)")]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
# The dashboard's funnel stages, furthest reached; "not_invited" is the dashboard's "" (before the invite).
STAGE_KEYS = (NOT_INVITED, *(stage.key for stage in STAGES))
StageKey = Literal[STAGE_KEYS]  # type: ignore[valid-type]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict] | None = None


# --- queries ---------------------------------------------------------------------------------------------

class PageQuery(BaseModel):
    cursor: Cursor | None = None
    limit: Limit = 50


class PartnerQuery(PageQuery):
    tier: Annotated[str, Field(max_length=32, pattern=r"^[A-Za-z0-9_-]+$", description="Tier key")] | None = None
    manager: Id | None = Field(default=None, description="Manager's user id")
    updated_since: AwareDatetime | None = Field(
        default=None, description="Only partners created, or with anything on their timeline (audit log), at or "
                                  "after this time (RFC 3339 with an offset)")
    stage: StageKey | None = Field(default=None, description="Only partners at this funnel stage")


class LeadQuery(PageQuery):
    direction: Literal["in", "out"] | None = None
    status: Literal["registered", "offered", "accepted", "rejected", "declined", "won", "lost", "expired"] | None = None
    tier: Annotated[str, Field(max_length=32, pattern=r"^[A-Za-z0-9]+$", description="Tier key")] | None = None
    partner_id: Id | None = None


class SurveyQuery(BaseModel):
    manager: Id | None = Field(default=None, description="Only this manager's partners")


# --- responses -------------------------------------------------------------------------------------------

class TierOut(BaseModel):
    key: str
    name: str


class PersonRef(BaseModel):
    id: int
    name: str


class Learning(BaseModel):
    people: int = Field(description="Active people of the partner")
    completed: int = Field(description="People who completed their tier's required learning path")
    percent: int


class HealthPartOut(BaseModel):
    key: Literal[PARTS]  # type: ignore[valid-type]
    label: str
    measured: bool = Field(description="False when the part cannot be measured; the others share its weight")
    weight: int = Field(description="Its share of 100 after scaling")
    points: int = Field(description="What it cost (0 or negative)")
    reason: str


class HealthOut(BaseModel):
    score: int = Field(ge=0, le=100)
    band: Literal[tuple(HEALTH_BANDS)]  # type: ignore[valid-type]
    parts: list[HealthPartOut]


class PartnerSummary(BaseModel):
    id: int
    name: str
    web_domain: str | None
    tier: TierOut
    manager: PersonRef
    created_at: datetime
    stage: StageKey = Field(description="The furthest funnel stage reached (as on the dashboard)")
    health: HealthOut = Field(description="Health 0-100 and its parts (as on the dashboard)")


class PartnerDetail(PartnerSummary):
    learning: Learning
    next_checkin: date | None = Field(description="Due date of the next planned check-in")


class PartnerPage(BaseModel):
    data: list[PartnerSummary]
    next: str | None = Field(description="Link to the next page, or null on the last page")


class UserOut(BaseModel):
    id: int
    name: str
    email: str
    active: bool


class UserPage(BaseModel):
    data: list[UserOut]
    next: str | None


class CourseProgressOut(BaseModel):
    course_id: int
    course_title: str
    lessons: int
    done: int
    percent: int
    complete: bool
    certificate_code: str | None


class UserProgress(BaseModel):
    user_id: int
    name: str
    path_complete: bool
    courses: list[CourseProgressOut]


class PartnerProgress(BaseModel):
    partner_id: int
    people: int
    completed: int
    percent: int
    users: list[UserProgress]


class CertificateOut(BaseModel):
    code: str
    holder_name: str
    course_title: str
    course_version: str
    issued_at: datetime
    valid: bool
    revoked_at: datetime | None


class NpsOut(BaseModel):
    value: Decimal | None = Field(description="NPS (-100..100), null without answers")
    margin: Decimal | None
    promoters: int
    passives: int
    detractors: int
    count: int


class CsatOut(BaseModel):
    value: Decimal | None = Field(description="Percent satisfied (4-5 of 5), null without answers")
    satisfied: int
    count: int


class ScoreRow(BaseModel):
    tier: str
    quarter: str
    nps: NpsOut
    csat: CsatOut


class SurveyScores(BaseModel):
    quarters: list[str]
    rows: list[ScoreRow]


class LeadEventOut(BaseModel):
    at: datetime
    kind: str
    field: str | None
    from_value: str | None
    to_value: str | None
    note: str | None


class LeadOut(BaseModel):
    id: int
    direction: Literal["in", "out"]
    partner_id: int
    company_name: str
    domain: str | None
    country: str | None
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    estimated_value: Decimal | None
    currency: str
    expected_close: date | None
    notes: str | None
    status: str
    status_reason: str | None
    registered_at: datetime
    expires_at: datetime | None
    closed_at: datetime | None
    actual_value: Decimal | None
    commission: Decimal | None
    payout_stage: str | None


class LeadDetail(LeadOut):
    history: list[LeadEventOut]


class LeadPage(BaseModel):
    data: list[LeadOut]
    next: str | None


# --- lead input ------------------------------------------------------------------------------------------

class LeadFields(Strict):
    contact_name: Annotated[Line, Field(max_length=120)] | None = None
    contact_email: Annotated[Line, Field(max_length=254, pattern=r"^[^@\s\x00]+@[^@\s\x00]+$")] | None = None
    contact_phone: Annotated[Line, Field(max_length=40)] | None = None
    estimated_value: Money | None = None
    currency: Currency = "EUR"
    expected_close: date | None = Field(default=None, description="Expected close (the month's first day is kept)")
    notes: Text | None = None


class LeadCreate(LeadFields):
    company_name: Annotated[Line, Field(min_length=1, max_length=200)]
    domain: Annotated[Line, Field(max_length=253)] | None = None
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    partner_id: Id | None = Field(default=None, description="Vendor tokens: the partner the lead is referred to. "
                                  "Partner tokens register for their own organisation and leave it out.")


class LeadUpdate(LeadFields):
    currency: Currency | None = None  # type: ignore[assignment]


class LeadStatusChange(Strict):
    status: Literal["accepted", "rejected", "declined", "won", "lost"]
    reason: Annotated[Text, Field(max_length=2000)] | None = None
    actual_value: Money | None = Field(default=None, description="Required when won")
