"""Search of everything public: programs, plans, observations, institutions."""
