"""Sign-in throttling beyond the per-address and per-(account, address) limits of the login view.

A slower limit counts wrong passwords per account from every address. Once it is reached, addresses
that already failed for this account are refused without a password check (429), while an address
that has not failed for it still gets its password checked: ten wrong guesses from ten addresses do
not lock the owner out, and a spread-out attacker gets one guess per fresh address per window.
Counts live in the rate-limit storage (Redis in production); if it fails, sign-in is not blocked.
"""

from __future__ import annotations

import logging

from flask import current_app
from limits import parse

from lms.extensions import limiter

log = logging.getLogger(__name__)

_SCOPE = "login-failures"


def _limits():
    account = parse(current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"])
    # One failure marks the (account, address) pair for the same window.
    pair = parse(f"1 per {account.multiples} {account.GRANULARITY.name}")
    return account, pair


def refused(email: str, address: str) -> bool:
    """True when this account has too many recent failures and this address is one of them."""
    try:
        account, pair = _limits()
        strategy = limiter.limiter
        return not strategy.test(account, _SCOPE, email) and not strategy.test(pair, _SCOPE, email, address)
    except Exception as error:  # noqa: BLE001 - storage trouble must not lock anyone out or give a 500
        log.warning("sign-in throttle unavailable: %s", error)
        return False


def record_failure(email: str, address: str) -> None:
    try:
        account, pair = _limits()
        strategy = limiter.limiter
        strategy.hit(account, _SCOPE, email)
        strategy.hit(pair, _SCOPE, email, address)
    except Exception as error:  # noqa: BLE001
        log.warning("sign-in throttle unavailable: %s", error)
