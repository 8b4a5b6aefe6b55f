"""Security headers on every response (pages, static files, calendar feeds, API, errors).

Why our own dozen lines rather than Flask-Talisman: our policy is one fixed set of headers.
Talisman 1.1.0 (2023) also redirects to HTTPS and rewrites the session cookie settings, which
the reverse proxy and ``config.py`` already own, and rebuilds its headers on every response.
Here the values are computed once per app, so the benchmarked .ics feeds pay a few dictionary
look-ups per response and nothing more.
"""

from __future__ import annotations

from flask import Flask, Response

# No inline script, no inline style, nothing from another origin. DSFR works within this:
# its JavaScript changes styles through the CSSOM (element.style), which CSP allows, and its
# icons are SVG ``data:`` images in dsfr.min.css, hence ``img-src data:``. The live wall polls
# its own origin (``connect-src 'self'``). PDFs rendered by WeasyPrint never reach a browser as
# HTML, so their <style> blocks do not matter here.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# Features no page of Concerto uses: a malicious script cannot ask for them either.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def security_headers(config: dict) -> dict[str, str]:
    """The headers every response carries, from the app's settings (HSTS only when
    ``HSTS_SECONDS`` is positive, as in production)."""
    headers = {
        "Content-Security-Policy": "; ".join(
            f"{directive} {sources}" for directive, sources in CONTENT_SECURITY_POLICY.items()),
        "X-Content-Type-Options": "nosniff",
        # Management links carry a token in their path: other sites never see our URLs.
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",  # frame-ancestors for browsers that ignore CSP
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if config.get("HSTS_SECONDS", 0) > 0:
        hsts = f"max-age={config['HSTS_SECONDS']}"
        if config.get("HSTS_INCLUDE_SUBDOMAINS"):
            hsts += "; includeSubDomains"
        headers["Strict-Transport-Security"] = hsts
    return headers


def init_security(app: Flask) -> None:
    """Add the security headers to every response; a view that sets one keeps its own."""
    headers = tuple((name.lower(), (name, value))
                    for name, value in security_headers(app.config).items())

    @app.after_request
    def _add_security_headers(response: Response) -> Response:
        # One pass over the response's few headers, then one extend: under 10 µs a response,
        # where a setdefault per header (a scan of the headers each) costs twice as much.
        present = {name.lower() for name, _ in response.headers.items()}
        response.headers.extend(pair for key, pair in headers if key not in present)
        return response
