"""Registrations: seats, waiting list, confirmations, check-in, attendance."""
