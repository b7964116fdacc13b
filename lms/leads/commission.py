"""Money for leads: the currencies accepted, their minor units (ISO 4217), and commission arithmetic.

All amounts are `Decimal`; a commission is rounded half-up once, at the end, to the currency's minor
unit (JPY has none, KWD three), so a split of 1,000.005 never loses or invents a cent by float error.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units of the currencies the programme accepts.
MINOR_UNITS: dict[str, int] = {
    "EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "SEK": 2, "NOK": 2, "DKK": 2, "PLN": 2, "CAD": 2, "AUD": 2,
    "NZD": 2, "SGD": 2, "INR": 2, "BRL": 2, "ZAR": 2, "JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "KWD": 3,
    "BHD": 3, "JOD": 3, "OMR": 3, "TND": 3,
}
CURRENCIES = tuple(sorted(MINOR_UNITS))
MAX_AMOUNT = Decimal("999999999999999")  # fits Numeric(18, 3)


def minor_unit(currency: str) -> int:
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise ValueError(f"unsupported currency {currency!r}") from None


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half-up to the currency's minor unit."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def is_valid_amount(amount: Decimal, currency: str) -> bool:
    """Finite, not negative, not too large, and no finer than the currency's minor unit."""
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        return False
    return amount == amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def commission_for(value: Decimal, rate_percent: Decimal, share_percent: int, currency: str) -> Decimal:
    """value x rate% x share%, exact until one rounding to the currency's minor unit."""
    exact = Decimal(value) * Decimal(rate_percent) * Decimal(share_percent) / Decimal(10000)
    return round_money(exact, currency)


def format_money(amount: Decimal | None, currency: str) -> str:
    """`12,345.60 EUR`, `1,235 JPY`, `1.235 KWD`: grouped, with exactly the currency's decimals."""
    if amount is None:
        return ""
    places = MINOR_UNITS.get(currency, 2)
    return f"{round_money(Decimal(amount), currency) if currency in MINOR_UNITS else amount:,.{places}f} {currency}"
