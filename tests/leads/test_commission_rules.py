"""Money rules at their edges: which amounts a lead may carry, how they round and how they read.

Each example pins a rule that test_service.py's commission table left open (found by mutation testing,
see bench/README.md "Leads and surveys").
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from lms.leads.commission import MAX_AMOUNT, commission_for, format_money, is_valid_amount, minor_unit


@pytest.mark.parametrize(("amount", "currency", "valid"), [
    ("0", "EUR", True),  # a lead may carry no value yet
    ("0.50", "EUR", True),  # less than one unit is still money
    ("0.01", "EUR", True),
    ("-0.01", "EUR", False),  # never negative
    ("-1", "JPY", False),
    (str(MAX_AMOUNT), "EUR", True),  # the largest amount the column holds
    (str(MAX_AMOUNT + 1), "JPY", False),
    ("0.001", "EUR", False),  # finer than a cent
    ("1.5", "JPY", False),  # yen have no decimals
    ("1.005", "KWD", True),  # dinars have three
    ("1.0005", "KWD", False),
    ("NaN", "EUR", False),
    ("Infinity", "EUR", False),
    ("-Infinity", "EUR", False),
])
def test_which_amounts_a_lead_may_carry(amount, currency, valid):
    assert is_valid_amount(Decimal(amount), currency) is valid


@pytest.mark.parametrize(("amount", "currency", "shown"), [
    ("0.125", "EUR", "0.13 EUR"),  # half a cent rounds up, as the commission does (not to the even 0.12)
    ("2.5", "JPY", "3 JPY"),  # not the even 2
    ("0.0125", "KWD", "0.013 KWD"),
    ("1234567.891", "USD", "1,234,567.89 USD"),
])
def test_shown_amounts_round_half_up_like_the_commission(amount, currency, shown):
    assert format_money(Decimal(amount), currency) == shown


def test_an_unknown_currency_is_shown_as_stored_with_two_decimals():
    # A currency dropped from the programme's list still shows on old leads, never an error page.
    assert format_money(Decimal("12.5"), "XYZ") == "12.50 XYZ"
    assert format_money(Decimal("1234"), "XYZ") == "1,234.00 XYZ"


def test_no_amount_shows_nothing():
    assert format_money(None, "EUR") == ""


def test_an_unsupported_currency_is_named_in_the_error():
    with pytest.raises(ValueError, match="unsupported currency 'XYZ'"):
        minor_unit("XYZ")
    with pytest.raises(ValueError, match="unsupported currency 'XYZ'"):
        commission_for(Decimal("100"), Decimal("10"), 100, "XYZ")


def test_a_split_share_takes_its_percent_of_the_commission_before_the_one_rounding():
    # 10% of 333.35 is 33.335; the closing partner's 30% of it is 10.0005 -> 10.00, the source's 70% is
    # 23.3345 -> 23.33: each share is rounded once, from the exact product, never from a rounded commission.
    assert commission_for(Decimal("333.35"), Decimal("10"), 30, "EUR") == Decimal("10.00")
    assert commission_for(Decimal("333.35"), Decimal("10"), 70, "EUR") == Decimal("23.33")
    assert commission_for(Decimal("333.35"), Decimal("10"), 100, "EUR") == Decimal("33.34")
