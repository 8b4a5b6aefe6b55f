"""Two-factor authentication with time-based codes (TOTP, RFC 6238) from an authenticator app.

The secret is stored only once the person has proved, with a first code, that their app holds
it. A code is accepted within one 30-second step either side (clock drift), and never twice.
Ten one-time recovery codes, shown once, open the account when the phone is lost; only their
SHA-256 is kept (they are random enough that a slow hash adds nothing).
"""

from __future__ import annotations

import hashlib
import secrets

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


RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def _recovery_hash(code: str) -> str:
    normalised = "".join(code.lower().split()).replace("-", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


def is_recovery_code(code: str) -> bool:
    """Recovery codes look like « k7f2-9xqa »; login codes are six digits."""
    normalised = "".join(code.lower().split()).replace("-", "")
    return len(normalised) == 8 and not normalised.isdigit()


def new_recovery_codes(user: User) -> list[str]:
    """Replace the account's recovery codes by ten new ones, returned to be shown once."""
    codes = ["-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(4))
                      for _ in range(2)) for _ in range(RECOVERY_CODES)]
    user.recovery_hashes = [_recovery_hash(code) for code in codes]
    audit.record("user.2fa_recovery_codes", user, "Nouveaux codes de secours", user=user)
    db.session.commit()
    return codes


def enable(user: User, secret: str, code: str) -> list[str] | None:
    """Turn 2FA on when ``code`` proves the app holds ``secret``; its recovery codes, or None."""
    step = _matching_step(secret, code)
    if step is None:
        return None
    user.totp_secret, user.totp_last_step = secret, step
    audit.record("user.2fa_enable", user, "Double authentification activée", user=user)
    return new_recovery_codes(user)


def _use_recovery_code(user: User, code: str) -> bool:
    digest = _recovery_hash(code)
    if digest not in user.recovery_hashes:
        return False
    user.recovery_hashes = [h for h in user.recovery_hashes if h != digest]
    audit.record("user.2fa_recovery_used", user, f"Connexion avec un code de secours "
                 f"({len(user.recovery_hashes)} restant(s))", user=user)
    db.session.commit()
    return True


def verify(user: User, code: str) -> bool:
    """Check a login code (or a recovery code, used up); a code, or an older one, that was
    accepted before is refused."""
    if not user.totp_secret:
        return False
    if is_recovery_code(code):
        return _use_recovery_code(user, code)
    step = _matching_step(user.totp_secret, code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    db.session.commit()
    return True


def disable(user: User, by: User) -> None:
    user.totp_secret = user.totp_last_step = None
    user.recovery_hashes = []
    audit.record("user.2fa_disable", user, "Double authentification désactivée", user=by)
    db.session.commit()


def required_for(user: User) -> bool:
    """Must this account turn on 2FA before using the back office? A session opened with
    ProConnect too: its identity providers may ask a password only."""
    return user.role is Role.ADMIN and current_app.config["REQUIRE_ADMIN_2FA"]
