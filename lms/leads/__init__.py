from flask import Blueprint

bp = Blueprint("leads", __name__, url_prefix="/leads")


def connect_signals() -> None:
    """Put undecided registrations on the manager's agenda (called once by the app factory)."""
    from lms import events
    from lms.leads.panels import agenda_panel

    events.manager_agenda_requested.connect(agenda_panel)


@bp.app_template_filter("money")
def money_filter(amount, currency: str) -> str:
    from lms.leads.commission import format_money

    return format_money(amount, currency)


@bp.app_template_filter("display_domain")
def display_domain_filter(domain) -> str:
    from lms.leads.identity import display_domain

    return display_domain(domain)


from lms.leads import views  # noqa: E402,F401  (routes attach to bp)
