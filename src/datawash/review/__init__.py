"""Human review of wash hits: one item per person, decisions with dual control, deadlines."""
