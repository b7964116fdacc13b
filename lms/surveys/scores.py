"""The arithmetic of satisfaction, as pure functions: NPS, CSAT and the NPS margin of error.

Every figure is a `Decimal` percentage rounded to one decimal place, half away from zero, or None
when there is nothing to count. Skipped questions are not answers: callers pass only answers given.
Counts are exact integers until the one final rounding, so 1/3 and 2/3 never drift.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

ONE_PLACE = Decimal("0.1")
Z_95 = Decimal("1.96")


def _round(value: Fraction) -> Decimal:
    """`value` rounded to one decimal place, half away from zero (exactly, from the fraction)."""
    tenths, rest = divmod(abs(value.numerator) * 10, value.denominator)
    if 2 * rest >= value.denominator:
        tenths += 1
    sign = -1 if value < 0 else 1
    return (Decimal(sign * tenths) / 10).quantize(ONE_PLACE)


def nps_from_counts(promoters: int, passives: int, detractors: int) -> Decimal | None:
    """% of 9-10 minus % of 0-6, -100 to 100."""
    total = promoters + passives + detractors
    if total == 0:
        return None
    return _round(Fraction(100 * (promoters - detractors), total))


def csat_from_counts(satisfied: int, total: int) -> Decimal | None:
    """% of answers that are 4 or 5."""
    if total == 0:
        return None
    return _round(Fraction(100 * satisfied, total))


def nps_margin_from_counts(promoters: int, passives: int, detractors: int) -> Decimal | None:
    """Margin of error at 95%: 1.96 x sqrt((p + d - (p - d)^2) / n) x 100, in NPS points."""
    total = promoters + passives + detractors
    if total == 0:
        return None
    p, d = Fraction(promoters, total), Fraction(detractors, total)
    variance = (p + d - (p - d) ** 2) / total
    with localcontext() as context:
        context.prec = 40
        root = (Decimal(variance.numerator) / Decimal(variance.denominator)).sqrt()
        return (Z_95 * root * 100).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def _nps_counts(scores: Iterable[int]) -> tuple[int, int, int]:
    promoters = passives = detractors = 0
    for score in scores:
        if not 0 <= score <= 10:
            raise ValueError(f"an NPS answer is 0 to 10, not {score}")
        if score >= 9:
            promoters += 1
        elif score >= 7:
            passives += 1
        else:
            detractors += 1
    return promoters, passives, detractors


def nps(scores: Iterable[int]) -> Decimal | None:
    return nps_from_counts(*_nps_counts(scores))


def nps_margin(scores: Iterable[int]) -> Decimal | None:
    return nps_margin_from_counts(*_nps_counts(scores))


def csat(scores: Iterable[int]) -> Decimal | None:
    values = list(scores)
    if any(not 1 <= score <= 5 for score in values):
        raise ValueError("a CSAT answer is 1 to 5")
    return csat_from_counts(sum(1 for score in values if score >= 4), len(values))


def is_detractor(kind: str, score: int | None) -> bool:
    """An unhappy answer that opens a follow-up: NPS 0-6 or CSAT 1-2."""
    if score is None:
        return False
    return (kind == "nps" and score <= 6) or (kind == "csat" and score <= 2)


@dataclass(frozen=True)
class NpsFigure:
    """An NPS with its count of answers and its margin of error, as shown beside every figure."""

    promoters: int
    passives: int
    detractors: int

    @property
    def count(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def value(self) -> Decimal | None:
        return nps_from_counts(self.promoters, self.passives, self.detractors)

    @property
    def margin(self) -> Decimal | None:
        return nps_margin_from_counts(self.promoters, self.passives, self.detractors)


@dataclass(frozen=True)
class CsatFigure:
    satisfied: int
    count: int

    @property
    def value(self) -> Decimal | None:
        return csat_from_counts(self.satisfied, self.count)
