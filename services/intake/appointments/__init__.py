"""In-person appointments: where and when a citizen does a step the law requires in person
(KTP-el biometric recording, card collection), so the offices see no crowds.

Plain functions over a SQLAlchemy session and the outbox, like ``applications``; ``service.py``
opens the transaction and checks staff roles. All dates and times of slots are WIB. Modules:
``rows`` (loading and locking, taking and freeing places), ``parsing``, ``views``; then
``booking`` (citizens), ``locations`` (staff: locations and slots), ``counter`` (staff: the
day's list and attendance) and ``reminders``. Appointments depend on the application *record*
(``applications.record``), never the other way round.

Capacity is never overbooked, whatever the concurrency: a place is taken only by the single
conditional statement ``UPDATE slots SET booked = booked + 1 WHERE id = :id AND booked <
capacity`` (PostgreSQL re-checks the condition on the latest row version after waiting for a
concurrent writer), and the table's CHECK (booked <= capacity) backs it up. Lock order, to stay
free of deadlocks: the application row first, then its appointment rows, then slot rows in
ascending id order; nothing locks a slot and then waits for an application.
"""
