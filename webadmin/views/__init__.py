"""Views: read the request, call core, render. No SQL and no rules here."""
