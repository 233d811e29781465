"""git-skill: learn, check, diff and merge Agent Skills with git."""

__version__ = "0.1.0"
