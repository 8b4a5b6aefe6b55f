"""Campaigns (démarches de concertation), their challenges and their steps."""
