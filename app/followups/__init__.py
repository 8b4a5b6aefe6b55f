"""Follow-ups of retained proposals (« Suites données »): what became of each, dated."""
