"""Monitoring duties of the administration: data checks, control notes and outage windows (R9, R29, R120)."""
