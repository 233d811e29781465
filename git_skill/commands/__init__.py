"""One module per `git skill` subcommand; each exposes a click `command`."""
