"""The SKILL.md model and everything that reads, checks, compares or merges skills."""
