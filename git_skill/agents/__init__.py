"""Agents and their skill folders: the table, links and copies into their folders, the AGENTS.md index."""
