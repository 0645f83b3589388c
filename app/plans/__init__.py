"""Plan pages: every plan with its figures, and one plan's programs as a tree with rolled-up
progress, budget totals, a milestone timeline and counts of comments and observations."""
