"""Progress at a glance for managers (their partners) and admins (all, with a manager filter)."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from lms.access import load_partner, role_required
from lms.checkins import service as checkins
from lms.checkins.calendar import today_for
from lms.dashboard import bp, lists, service, snapshot
from lms.dashboard.chart import WIDTH, funnel_bars
from lms.dashboard.export import partners_csv
from lms.dashboard.forms import read_filters
from lms.dashboard.health import HEALTH_BANDS, PART_LABELS
from lms.dashboard.facts import partner_facts
from lms.dashboard.timeline import partner_timeline
from lms.db import get_db, utcnow
from lms.models import Partner
from lms.pagination import PER_PAGE, Page, page_arg


def _filter_choices(db) -> dict:
    return {
        "tiers": service.tiers(db),
        "managers": service.managers(db) if current_user.is_admin else [],
        "stages": service.STAGES,
        "bands": HEALTH_BANDS,
        "sorts": service.SORTS,
    }


@bp.get("/")
@role_required("admin", "manager")
def index():
    db = get_db()
    now = utcnow()
    filters = read_filters(request.args)
    ids = service.partner_ids(current_user, filters)
    overview = snapshot.overview_for(db, current_user, filters, now)
    bars, height = funnel_bars(overview.funnel)
    today = today_for(current_user, now)
    return render_template(
        "dashboard/index.html", overview=overview, filters=filters, bars=bars, chart_width=WIDTH,
        chart_height=height, band_counts=overview.band_counts, overdue=lists.overdue_checkins(db, ids, today),
        support=lists.open_support_requests(db, ids), satisfaction=overview.satisfaction,
        leads=lists.undecided_leads(db, ids), conflicts=lists.open_lead_conflicts(db, ids),
        follow_ups=lists.detractor_follow_ups(db, ids),
        now=now, **_filter_choices(db),
    )


@bp.get("/partners")
@role_required("admin", "manager")
def partners():
    db = get_db()
    now = utcnow()
    filters = read_filters(request.args)
    rows = service.select_rows(snapshot.overview_for(db, current_user, filters, now), filters)
    number = page_arg()
    start = (number - 1) * PER_PAGE
    page = Page(items=rows[start:start + PER_PAGE], page=number, per_page=PER_PAGE,
                has_next=len(rows) > start + PER_PAGE, total=len(rows))
    return render_template("dashboard/partners.html", page=page, filters=filters, now=now, **_filter_choices(db))


@bp.get("/partners.csv")
@role_required("admin", "manager")
def export():
    db = get_db()
    filters = read_filters(request.args)
    rows = service.select_rows(snapshot.overview_for(db, current_user, filters, utcnow()), filters)
    stamp = utcnow().strftime("%Y-%m-%d")
    return Response(partners_csv(rows), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="partners-{stamp}.csv"'})


@bp.get("/partners/<int:partner_id>")
@role_required("admin", "manager")
def partner(partner_id: int):
    db = get_db()
    now = utcnow()
    found = load_partner(partner_id)
    facts = partner_facts(db, select(Partner.id).where(Partner.id == found.id), now)[found.id]
    weights, dust_days = service.settings()
    row = service.PartnerRow(facts, service.stage_of(facts, now.date()), service.health_rules.score(facts, now, weights))
    timeline = partner_timeline(db, found.id, page_arg())
    return render_template("dashboard/partner.html", partner=found, row=row, timeline=timeline,
                           stages=service.STAGES, part_labels=PART_LABELS, now=now)


@bp.post("/partners/<int:partner_id>/schedule-checkin")
@role_required("admin", "manager")
def schedule_checkin(partner_id: int):
    db = get_db()
    found = load_partner(partner_id)
    try:
        checkin, new = checkins.schedule_adhoc(db, current_user, found)
    except checkins.CheckinError as error:
        flash(error.message, "error")
        return redirect(url_for("dashboard.partner", partner_id=found.id))
    db.commit()
    if new:
        flash(f"A check-in with {found.name} is on the agenda for {checkin.due_on:%a %-d %b %Y}.", "success")
    else:
        flash(f"{found.name} already has a check-in planned for {checkin.due_on:%a %-d %b %Y}.", "info")
    return redirect(url_for("checkins.partner", partner_id=found.id))
