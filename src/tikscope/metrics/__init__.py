"""Account analytics: one registry of metrics, periods, and the queries that compute sections."""
