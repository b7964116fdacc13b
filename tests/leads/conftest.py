"""Fixtures shared by the lead tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def people(make):
    manager = make.manager(timezone="UTC")
    people = {"manager": manager}
    for tier in ("bronze", "gold", "platinum"):
        partner = make.partner(tier, manager=manager, name=f"{tier.title()} Org")
        people[tier] = make.user("partner", partner=partner, name=f"{tier.title()} Person")
    people["gold2"] = make.user("partner", partner=make.partner("gold", manager=manager, name="Second Gold"))
    return people
