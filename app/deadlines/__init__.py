"""Deadline reminders and escalation: ``flask deadlines run`` (from cron) reminds responders before
and after an observation's due date, sends institution admins a weekly overdue digest, and tells
the moderators about what stays overdue. See ``services`` for the rules."""
