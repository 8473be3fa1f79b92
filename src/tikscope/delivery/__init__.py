"""White-label reports delivered on a schedule: branding, schedules, mail and the delivery run.

Data flows one way: a schedule names an account and a report template; when one of its periods
has ended the run renders that report (tikscope.reports) with the workspace's branding, writes it
to a folder or mails it, and records the delivery, whose key (schedule, period) keeps it from
going out twice. See docs/schedules.md.
"""
