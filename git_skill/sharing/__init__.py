"""Sharing skills across repositories: where a skill comes from (`source`), fetching it into a
cache and reading it safely (`fetch`), the lock file that records it (`lockfile`), and the
three-way folder merge with a staged swap that `update` applies (`apply`).
"""
