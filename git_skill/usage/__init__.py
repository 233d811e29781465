"""Which skills agents load: counted from the sessions and trials git-skill already reads.

A skill earns its place in every request's listing only if agents load it. `loads` finds a load
in one tool call (Claude Code's `Skill` tool, or any agent's read of a `SKILL.md`), `sessions`
gathers them per session or trial with its outcome, `collect` finds the sessions and the
repository's own skills, and `report` adds the loads up per skill (never-loaded ones included).
What each agent's listing drops when the descriptions do not fit is `git_skill.listing`'s.
"""
