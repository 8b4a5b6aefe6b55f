"""Territories: regions, départements and territoires de proximité."""
