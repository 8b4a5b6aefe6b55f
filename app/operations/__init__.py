"""Operations: health and readiness probes, Prometheus metrics, structured logs with a request
id (README « Exploitation »)."""

from __future__ import annotations

from flask import Flask


def init_operations(app: Flask) -> None:
    """Logs and request ids first (every later hook logs with the id), then metrics, then the
    probes' and metrics' routes."""
    from app.operations import health, logs, metrics

    logs.init_logs(app)
    metrics.init_metrics(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)
