"""Webhooks to integrators (the regency super-app): status changes of the applications of the
subscriber's users, signed per Standard Webhooks, retried with backoff, never lost (the
delivery row is committed before the event is acknowledged), never twice in effect (one
``webhook-id`` per event and subscriber). See docs/webhooks.md."""
