"""Which skills agents load: counted from the sessions and trials git-skill already reads.

A skill earns its place in every request's listing only if agents load it. `loads` finds a load
in one tool call (Claude Code's `Skill` tool, or any agent's read of a `SKILL.md`), `sessions`
gathers them per session or trial with its outcome, `report` adds them up per skill beside the
repository's own skills (never-loaded ones included), and `budget` says what each agent's
listing drops when the descriptions do not fit.
"""
