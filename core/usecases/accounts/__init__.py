"""Use cases about accounts: bootstrap, login, invites."""
