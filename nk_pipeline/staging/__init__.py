"""Stage staging: every raw file validated and typed into the `staging` schema; the boundaries."""
