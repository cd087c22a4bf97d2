"""Learning from editors: edit analytics, mined house rules, precedent feedback."""
