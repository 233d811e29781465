"""The exit-code contract every command follows (documented in the README)."""

OK = 0
FINDINGS = 1  # the check said no: findings, conflicts
USAGE = 2  # bad arguments, unknown option, missing path
BAD_INPUT = 3  # unreadable or malformed input (I/O errors, not a repository)
REFUSED = 4  # refused to overwrite local changes
LOCKED = 5  # another run holds the lock
UNAVAILABLE = 6  # a shared source cannot be fetched (network, authentication, missing ref)
INTERRUPTED = 130
