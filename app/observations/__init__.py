"""Social-control observations (Ley 341): filing, reporter protection, tracking codes, the
lifecycle state machine, working-day due dates and the public timeline."""
