"""NPS, CSAT and the margin of error against examples worked by hand."""

from decimal import Decimal

import pytest

from lms.surveys.scores import csat, is_detractor, nps, nps_margin, nps_margin_from_counts


def test_no_answers_give_none():
    assert nps([]) is None
    assert csat([]) is None
    assert nps_margin([]) is None


def test_one_answer():
    assert nps([10]) == Decimal("100.0")
    assert nps([6]) == Decimal("-100.0")
    assert nps([8]) == Decimal("0.0")
    assert csat([4]) == Decimal("100.0")
    assert csat([3]) == Decimal("0.0")
    # p = 1, d = 0: 1 + 0 - 1 = 0, no spread at all on one answer (which is why the count is shown).
    assert nps_margin([10]) == Decimal("0.0")


def test_all_passives_and_all_detractors():
    assert nps([7, 8, 7, 8]) == Decimal("0.0")
    assert nps_margin([7, 8, 7, 8]) == Decimal("0.0")
    assert nps([0, 3, 6]) == Decimal("-100.0")


def test_boundaries_of_the_bands():
    # 9 is a promoter, 6 a detractor, 7 and 8 passives.
    assert nps([9, 6]) == Decimal("0.0")
    assert nps([9, 7]) == Decimal("50.0")
    assert nps([8, 6]) == Decimal("-50.0")
    assert csat([4, 3]) == Decimal("50.0")
    assert is_detractor("nps", 6) and not is_detractor("nps", 7)
    assert is_detractor("csat", 2) and not is_detractor("csat", 3)
    assert not is_detractor("text", None)


def test_thirds_round_to_one_place():
    # 1 promoter of 3: 33.333... -> 33.3; 2 of 3: 66.666... -> 66.7
    assert nps([10, 8, 8]) == Decimal("33.3")
    assert nps([10, 10, 8]) == Decimal("66.7")
    assert nps([0, 8, 8]) == Decimal("-33.3")
    assert csat([5, 5, 1]) == Decimal("66.7")


def test_half_rounds_away_from_zero():
    # 1 of 16 = 6.25 % -> 6.3 (not banker's 6.2); -6.25 -> -6.3
    sixteen = [10] + [8] * 15
    assert nps(sixteen) == Decimal("6.3")
    assert nps([0] + [8] * 15) == Decimal("-6.3")
    # 3 of 16 = 18.75 -> 18.8; CSAT 1 of 16 -> 6.3
    assert nps([10, 10, 10] + [8] * 13) == Decimal("18.8")
    assert csat([5] + [3] * 15) == Decimal("6.3")
    # 1 of 80 = 1.25 -> 1.3
    assert nps([10] + [7] * 79) == Decimal("1.3")


def test_margin_of_error_hand_worked():
    # 12 answers: 6 promoters, 3 passives, 3 detractors. p = .5, d = .25, p - d = .25
    # (0.75 - 0.0625) / 12 = 0.0572916..., sqrt = 0.239357..., x 1.96 x 100 = 46.914... -> 46.9
    scores = [10] * 6 + [7] * 3 + [2] * 3
    assert nps(scores) == Decimal("25.0")
    assert nps_margin(scores) == Decimal("46.9")
    # Half promoters, half detractors: (1 - 0) / 4 = .25, sqrt .5, x 196 = 98.0
    assert nps_margin_from_counts(2, 0, 2) == Decimal("98.0")
    # 100 answers, 50/30/20: (0.7 - 0.09)/100 = 0.0061, sqrt 0.078102..., x 196 = 15.308 -> 15.3
    assert nps_margin_from_counts(50, 30, 20) == Decimal("15.3")


def test_out_of_range_scores_are_refused():
    with pytest.raises(ValueError):
        nps([11])
    with pytest.raises(ValueError):
        csat([0])
