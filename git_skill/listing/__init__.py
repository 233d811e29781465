"""What each agent's skill listing has room for: the budget, what the skills use, what it drops.

Every request carries the listing (each skill's name and description) so the agent can choose
a skill; agents cap it (the budgets and their sources are in `git_skill.agents.table`). A library
past an agent's budget loses descriptions silently; `git skill list` and lint's `listing-budget`
say which.
"""
