"""Business days with the public holidays of the federal state."""

from __future__ import annotations

from datetime import date

import pytest

from digiflow.core.calendar import (
    add_business_days,
    business_days_between,
    holiday_name,
    is_business_day,
    subtract_business_days,
)


def test_reformation_day_is_a_holiday_in_niedersachsen_not_in_bayern():
    thursday = date(2025, 10, 30)
    assert add_business_days(thursday, 1, "NI") == date(2025, 11, 3)
    assert add_business_days(thursday, 1, "BY") == date(2025, 10, 31)
    assert holiday_name(date(2025, 10, 31), "NI") == "Reformationstag"


def test_weekends_and_christmas_are_skipped():
    assert add_business_days(date(2026, 12, 23), 1, "NI") == date(2026, 12, 24)
    # 25./26.12. holidays (Fri/Sat), weekend, then Monday 28.12.
    assert add_business_days(date(2026, 12, 24), 1, "NI") == date(2026, 12, 28)
    assert not is_business_day(date(2026, 12, 26))


def test_zero_days_rolls_forward_to_a_business_day():
    assert add_business_days(date(2026, 5, 1), 0, "NI") == date(2026, 5, 4)  # Tag der Arbeit, Fr
    assert add_business_days(date(2026, 5, 5), 0, "NI") == date(2026, 5, 5)


def test_subtract_and_count_are_inverse_to_add():
    start = date(2026, 3, 30)
    end = add_business_days(start, 10, "NI")
    assert business_days_between(start, end, "NI") == 10
    assert subtract_business_days(end, 10, "NI") == start
    assert business_days_between(end, start, "NI") == -10


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_business_days(date(2026, 1, 5), -1)
