"""Staff accounts: administrators, organisers and moderators."""
