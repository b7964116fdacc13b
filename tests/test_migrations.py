"""The Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from lms.models import Base, Tier


def test_migrations_match_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_default_tiers_are_seeded(db):
    tiers = {t.key: t for t in db.scalars(select(Tier))}
    assert set(tiers) == {"bronze", "gold", "platinum"}
    assert tiers["bronze"].onboarding_kind == "group" and tiers["bronze"].group_capacity == 12
    assert tiers["gold"].sla_hours == 4 and tiers["gold"].sla_coverage == "business"
    assert tiers["platinum"].sla_hours == 2 and tiers["platinum"].sla_coverage == "always"
    assert tiers["platinum"].quarterly_business_review and not tiers["gold"].quarterly_business_review
    assert [tiers[k].checkin_cadence_months for k in ("bronze", "gold", "platinum")] == [3, 1, 1]


def test_one_head_so_new_revisions_have_a_single_parent():
    from alembic.script import ScriptDirectory

    from lms.migrate import alembic_config

    assert len(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()) == 1
