"""Check a surviving slots mutant against the minute-by-minute reference, window by window, near clock changes.

Run inside mutants/ after `bench/mutation.py lms/bookings/slots.py`, naming the mutant:

    cd mutants && MUTANT_UNDER_TEST=lms.bookings.slots.x_compute_slots__mutmut_99 ../.venv/bin/python ../bench/slots_equivalence.py

Every window on the 15-minute grid between 00:00 and 06:00 (where the clocks change), 30/45/60-minute slots,
with and without three busy calls, on the switch days of Berlin, New York and Lord Howe (a 30-minute change)
and a Sao Paulo day without one. Prints the number of cases where compute_slots and
tests/bookings/test_slots_rules.py `reference_slots` differ: 0 for a mutant judged equivalent or speed-only.
"""

import itertools
import os
import sys
from datetime import date, datetime, timedelta, timezone

sys.path.insert(0, os.getcwd())

from lms.bookings.slots import Rules, Window, compute_slots  # noqa: E402
from tests.bookings.test_slots_rules import reference_slots  # noqa: E402

UTC = timezone.utc
SWITCH_DAYS = {
    "Europe/Berlin": [date(2026, 3, 29), date(2026, 10, 25)],
    "America/New_York": [date(2026, 3, 8), date(2026, 11, 1)],
    "Australia/Lord_Howe": [date(2026, 4, 5), date(2026, 10, 4)],
    "America/Sao_Paulo": [date(2026, 6, 1)],
}


def main() -> int:
    differences = 0
    for zone, days in SWITCH_DAYS.items():
        for day in days:
            midnight = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
            now = midnight - timedelta(days=1)
            calls = [(midnight + timedelta(hours=h), midnight + timedelta(hours=h, minutes=30)) for h in (0, 1, 2)]
            for a, b in itertools.combinations(range(0, 6 * 4 + 1), 2):
                for slot, busy in itertools.product((30, 45, 60), ([], calls)):
                    rules = Rules(zone=zone, slot_minutes=slot, windows=(Window(day.weekday(), a * 15, b * 15),),
                                  horizon_days=3, buffer_before_minutes=5)
                    if compute_slots(rules, busy, now) != reference_slots(rules, busy, now):
                        differences += 1
                        if differences <= 2:
                            print("differs:", zone, day, f"window {a * 15}-{b * 15} min", f"{slot}-minute slots",
                                  "with calls" if busy else "no calls")
    print(os.environ.get("MUTANT_UNDER_TEST", "(no mutant)"), "differences:", differences)
    return 0


if __name__ == "__main__":
    sys.exit(main())
