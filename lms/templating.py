"""Jinja filters and globals: times are shown in the viewer's own time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g
from flask_login import current_user


def viewer_zone() -> ZoneInfo:
    zone = getattr(current_user, "timezone", None) if current_user else None
    cached = g.get("viewer_zone")  # a list page formats hundreds of times: look the zone up once
    if cached is not None and cached[0] == zone:
        return cached[1]
    try:
        found = ZoneInfo(zone or "UTC")
    except (KeyError, ValueError):
        found = ZoneInfo("UTC")
    g.viewer_zone = (zone, found)
    return found


def localtime(value: datetime | None, fmt: str = "%a %-d %b %Y, %H:%M", zone: str | None = None) -> str:
    """Format a UTC datetime in the viewer's zone (or `zone`)."""
    if value is None:
        return ""
    tz = ZoneInfo(zone) if zone else viewer_zone()
    return value.astimezone(tz).strftime(fmt)


def longdate(value: date | None) -> str:
    return value.strftime("%a %-d %b %Y") if value else ""


def register(app: Flask) -> None:
    app.add_template_filter(localtime, "localtime")
    app.add_template_filter(longdate, "longdate")

    @app.context_processor
    def portal_globals():
        return {"portal_name": current_app.config["PORTAL_NAME"], "viewer_zone": viewer_zone}
