"""The archive of exports: retention and purging (R112–R114, §3.6)."""
