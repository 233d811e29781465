"""Learning skills from sessions: distill or reflect, generalize, curate, record provenance, write."""
