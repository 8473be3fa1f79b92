"""Reports: the account report as an HTML page with PNG charts, built from `metrics`."""
