"""Plans (PDES, PTDI, PEI, POA) and their programs: results, progress, milestones, consultation."""
