"""Lead endpoints: the same service functions as the web pages (conflict policy, no-leak rules, history).

A partner-scoped token acts as a partner user of its organisation (registers, responds to referrals);
a vendor token acts as an admin (refers, decides, closes).
"""

from __future__ import annotations

import hashlib
import json

from flask import Response, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.api import bp
from lms.api import schemas as s
from lms.api.auth import Principal
from lms.api.paging import page
from lms.api.problems import ApiError
from lms.api.registry import operation
from lms.api.views import NOT_FOUND, load_partner
from lms.db import get_db, utcnow
from lms.errors import DomainError
from lms.leads import service
from lms.leads.queries import LeadFilters, lead_history, lead_query
from lms.models import ApiIdempotencyKey, Lead

IDEMPOTENCY_HEADER = {"Idempotency-Key": {"type": "string", "minLength": 1, "maxLength": 200,
                                          "pattern": "^[\\x21-\\x7e]+$"}}


def load_lead(db, principal: Principal, lead_id: int) -> Lead:
    lead = db.get(Lead, lead_id)
    if lead is None:
        raise ApiError(404, NOT_FOUND)
    load_partner(db, principal, lead.partner_id)
    return lead


def _out(lead: Lead, model=s.LeadOut, **extra):
    values = {name: getattr(lead, name) for name in s.LeadOut.model_fields}
    return model(**values, **extra)


def _detail(db, lead: Lead) -> s.LeadDetail:
    history = [s.LeadEventOut(at=e.at, kind=e.kind, field=e.field, from_value=e.from_value, to_value=e.to_value,
                              note=e.note) for e in lead_history(db, lead)]
    return _out(lead, s.LeadDetail, history=history)


def _as_web_form(values: dict) -> dict:
    """As the web form (DealFields.deal_values): blanks are None, emails lower-case, the close month's first day."""
    for name in ("contact_name", "contact_email", "contact_phone", "notes"):
        if name in values and isinstance(values[name], str):
            values[name] = values[name].strip() or None
    if values.get("contact_email"):
        values["contact_email"] = values["contact_email"].lower()
    if values.get("expected_close") is not None:
        values["expected_close"] = values["expected_close"].replace(day=1)
    return values


def _domain_error(error: DomainError):
    status = 409 if isinstance(error, service.NotAllowed) else 422
    return ApiError(status, error.message, errors=[{"loc": ["body", error.field or ""], "msg": error.message,
                                                   "type": "rule"}])


@operation(bp, "GET", "/leads", summary="List leads", tag="leads", response=s.LeadPage, query=s.LeadQuery)
def list_leads(principal: Principal, query: s.LeadQuery):
    db = get_db()
    filters = LeadFilters(direction=query.direction or "", status=query.status or "", tier=query.tier or "",
                          partner_id=query.partner_id)
    rows, next_link = page(db, lead_query(principal.user, filters), Lead.id, query.cursor, query.limit, unique=True)
    return s.LeadPage(data=[_out(lead) for lead in rows], next=next_link)


@operation(bp, "GET", "/leads/{lead_id}", summary="A lead with its history", tag="leads", response=s.LeadDetail)
def get_lead(principal: Principal, lead_id: int):
    db = get_db()
    return _detail(db, load_lead(db, principal, lead_id))


def _fingerprint() -> str:
    return hashlib.sha256(b"%s %s\n" % (request.method.encode(), request.path.encode()) + request.get_data()).hexdigest()


@operation(bp, "POST", "/leads", summary="Register (partner token) or refer (vendor token) a lead", tag="leads",
           response=s.LeadDetail, scope="leads:write", status=201, body=s.LeadCreate, errors=(403, 409),
           headers=IDEMPOTENCY_HEADER)
def create_lead(principal: Principal, body: s.LeadCreate):
    db = get_db()
    key = request.headers.get("Idempotency-Key")
    if key is not None:
        if not 1 <= len(key) <= 200 or not all(0x21 <= ord(c) <= 0x7e for c in key):
            raise ApiError(400, "The Idempotency-Key header must be 1 to 200 visible ASCII characters.")
        stored = _stored(db, principal, key)
        if stored is not None:
            return stored
    values = _as_web_form(body.model_dump(exclude={"partner_id", "domain"}))
    prospect = service.Prospect(domain_text=body.domain, **values)
    now = utcnow()
    try:
        if principal.partner_id is not None:
            if body.partner_id not in (None, principal.partner_id):
                raise ApiError(403, "A partner-scoped token registers leads for its own organisation only.")
            lead, _claim = service.register_lead(db, principal.user, prospect, now)
        else:
            if body.partner_id is None:
                raise ApiError(422, "Name the partner the lead is referred to.", errors=[
                    {"loc": ["body", "partner_id"], "msg": "required for a vendor token", "type": "missing"}])
            partner = load_partner(db, principal, body.partner_id)
            lead = service.refer_lead(db, principal.user, partner, prospect, now)
    except DomainError as error:
        db.rollback()
        # A retry that waited on the first attempt's locks: the rule says "already registered", but the key
        # says it is the same request, so it gets the first attempt's response.
        stored = _stored(db, principal, key) if key is not None else None
        if stored is not None:
            return stored
        raise _domain_error(error) from None
    db.flush()
    payload = json.dumps(_detail(db, lead).model_dump(mode="json"), separators=(",", ":"))
    if key is not None:
        db.add(ApiIdempotencyKey(token_id=principal.token.id, key=key, fingerprint=_fingerprint(), status=201,
                                 body=payload))
        try:
            db.flush()
        except IntegrityError:  # the same key at the same moment: the other request's lead stands
            db.rollback()
            stored = _stored(db, principal, key)
            if stored is not None:
                return stored
            raise ApiError(409, "This Idempotency-Key is being used by another request; retry.") from None
    db.commit()
    return Response(payload, status=201, mimetype="application/json",
                    headers={"Location": f"{request.path}/{lead.id}"})


def _stored(db, principal: Principal, key: str) -> Response | None:
    row = db.scalar(select(ApiIdempotencyKey).where(ApiIdempotencyKey.token_id == principal.token.id,
                                                    ApiIdempotencyKey.key == key))
    if row is None:
        return None
    if row.fingerprint != _fingerprint():
        raise ApiError(409, "This Idempotency-Key was used for a different request.")
    return Response(row.body, status=row.status, mimetype="application/json", headers={"Idempotent-Replayed": "true"})


@operation(bp, "PATCH", "/leads/{lead_id}", summary="Change the deal's fields (one history row per change)",
           tag="leads", response=s.LeadDetail, scope="leads:write", body=s.LeadUpdate, errors=(409,))
def update_lead(principal: Principal, lead_id: int, body: s.LeadUpdate):
    db = get_db()
    lead = load_lead(db, principal, lead_id)
    values = _as_web_form(body.model_dump(exclude_unset=True))
    if values.get("currency", "") is None:
        values.pop("currency")
    try:
        service.edit_lead(db, principal.user, lead, utcnow(), **values)
    except DomainError as error:
        db.rollback()
        raise _domain_error(error) from None
    db.commit()
    return _detail(db, lead)


@operation(bp, "POST", "/leads/{lead_id}/status", summary="Decide, respond to, or close a lead", tag="leads",
           response=s.LeadDetail, scope="leads:write", body=s.LeadStatusChange, errors=(403, 409))
def change_lead_status(principal: Principal, lead_id: int, body: s.LeadStatusChange):
    db = get_db()
    lead = load_lead(db, principal, lead_id)
    partner_token = principal.partner_id is not None
    actor, now, status = principal.user, utcnow(), body.status
    try:
        if status in ("won", "lost"):
            # As on the web: managers close what partners registered; partners close referrals they took on.
            if partner_token and lead.direction == "in":
                raise ApiError(403, "The vendor closes registrations; a partner token closes referrals only.")
            service.close_lead(db, actor, lead, status == "won", body.actual_value, body.reason, now)
        elif lead.direction == "in" and status in ("accepted", "rejected"):
            if partner_token:
                raise ApiError(403, "Only the vendor decides a registration.")
            service.decide_lead(db, actor, lead, status == "accepted", body.reason, now)
        elif lead.direction == "out" and status in ("accepted", "declined"):
            if not partner_token:
                raise ApiError(403, "Only the partner accepts or declines a referral.")
            service.respond_to_referral(db, actor, lead, status == "accepted", body.reason, now)
        else:
            raise ApiError(409, f"A lead of direction '{lead.direction}' cannot become '{status}'.")
    except DomainError as error:
        db.rollback()
        raise _domain_error(error) from None
    db.commit()
    return _detail(db, lead)
