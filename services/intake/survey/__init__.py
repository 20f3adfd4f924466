"""The IKM satisfaction survey (PermenPAN-RB No. 14/2017): one invitation per finished
application, anonymous answers, the index per service and period. See docs/ikm.md."""
