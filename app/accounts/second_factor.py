"""Two-factor authentication with time-based codes (TOTP, RFC 6238) from an authenticator app.

The secret is stored only once the person has proved, with a first code, that their app holds
it. A code is accepted within one 30-second step either side (clock drift), and never twice.
"""

from __future__ import annotations

import pyotp
import segno
from flask import current_app

from app import audit
from app.accounts.models import Role, User
from app.clock import now
from app.extensions import db


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name=current_app.config["BRAND_SITE_NAME"])


def qr_svg(uri: str) -> str:
    """The QR code as inline SVG, with a text alternative given by the page."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#161616")


def _matching_step(secret: str, code: str) -> int | None:
    """The time step whose code is ``code``, within one step of now."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now().timestamp()) // totp.interval
    for step in (current - 1, current, current + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def enable(user: User, secret: str, code: str) -> bool:
    """Turn 2FA on when ``code`` proves the app holds ``secret``."""
    step = _matching_step(secret, code)
    if step is None:
        return False
    user.totp_secret, user.totp_last_step = secret, step
    audit.record("user.2fa_enable", user, "Double authentification activée", user=user)
    db.session.commit()
    return True


def verify(user: User, code: str) -> bool:
    """Check a login code; a code (or an older one) that was accepted before is refused."""
    if not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    db.session.commit()
    return True


def disable(user: User, by: User) -> None:
    user.totp_secret = user.totp_last_step = None
    audit.record("user.2fa_disable", user, "Double authentification désactivée", user=by)
    db.session.commit()


def required_for(user: User) -> bool:
    """Must this account turn on 2FA before using the back office?"""
    return user.role is Role.ADMIN and current_app.config["REQUIRE_ADMIN_2FA"]
