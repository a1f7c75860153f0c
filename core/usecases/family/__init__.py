"""Family-facing services: messages, acknowledgements, subscriptions and paper summaries (§5)."""
