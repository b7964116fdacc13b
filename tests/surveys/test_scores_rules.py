"""Satisfaction arithmetic at its edges: signs near zero, the answer ranges, and the margin's rounding.

Each example pins a rule that test_scores.py left open (found by mutation testing, see bench/README.md
"Leads and surveys").
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from lms.surveys.scores import CsatFigure, NpsFigure, csat, csat_from_counts, nps, nps_from_counts, nps_margin_from_counts


def test_a_score_of_zero_reads_0_0_never_minus_zero():
    assert str(nps([7, 8])) == "0.0"
    assert str(nps([9, 6])) == "0.0"  # as many promoters as detractors
    assert str(csat([1, 2, 3])) == "0.0"
    assert str(nps_from_counts(0, 3, 0)) == "0.0"


def test_small_positive_scores_stay_positive():
    # 1 promoter in 300 answers: 0.333... -> 0.3 (not -0.3); 1 in 150: 0.666... -> 0.7.
    assert nps_from_counts(1, 299, 0) == Decimal("0.3")
    assert nps_from_counts(1, 149, 0) == Decimal("0.7")
    assert csat_from_counts(1, 300) == Decimal("0.3")
    assert nps_from_counts(0, 299, 1) == Decimal("-0.3")


def test_the_margin_of_error_rounds_half_up():
    # 2 promoters, 28 passives, 2 detractors: p = d = 1/16, (1/8 - 0) / 32 = 1/256, sqrt 1/16,
    # x 196 = 12.25 exactly -> 12.3 (half up, as every figure; not the even 12.2).
    assert nps_margin_from_counts(2, 28, 2) == Decimal("12.3")
    assert NpsFigure(2, 28, 2).margin == Decimal("12.3")


@pytest.mark.parametrize("score", [-1, 11, 100])
def test_an_nps_answer_is_0_to_10(score):
    with pytest.raises(ValueError, match=rf"^an NPS answer is 0 to 10, not {score}$"):
        nps([8, score])


@pytest.mark.parametrize("score", [0, 6, -1])
def test_a_csat_answer_is_1_to_5(score):
    with pytest.raises(ValueError, match=r"^a CSAT answer is 1 to 5$"):
        csat([4, score])


def test_the_ends_of_both_scales_are_answers():
    assert nps([0, 10]) == Decimal("0.0")
    assert csat([1, 5]) == Decimal("50.0")


def test_figures_carry_their_count_beside_the_value():
    # p = .5, d = .2: (0.7 - 0.09) / 10 = 0.061, sqrt 0.24698..., x 196 = 48.408... -> 48.4
    figure = NpsFigure(promoters=5, passives=3, detractors=2)
    assert (figure.count, figure.value, figure.margin) == (10, Decimal("30.0"), Decimal("48.4"))
    empty = NpsFigure(0, 0, 0)
    assert (empty.count, empty.value, empty.margin) == (0, None, None)
    assert CsatFigure(satisfied=3, count=4).value == Decimal("75.0")
    assert CsatFigure(satisfied=0, count=0).value is None
