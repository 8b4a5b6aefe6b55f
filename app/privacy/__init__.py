"""Data protection (RGPD): the legal pages' settings, a person's copy and erasure of their data,
and the retention periods applied by ``flask purge-personal-data``."""
