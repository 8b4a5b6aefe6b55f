"""The audit log viewer for admins: filters, pages of 50 entries, CSV export.

The log itself (model, ``record``, the append-only guard) lives in ``app.audit``.
"""
