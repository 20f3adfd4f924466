"""What a citizen can do with an application, and how intake follows the rest of the pipeline.

Plain functions over a SQLAlchemy session and the outbox, testable without a broker;
``service.py`` only opens the transaction and calls them. Layers, lowest first: ``record`` (the
row, its tokens and status changes), ``labels``, ``snapshot``, ``presence``; then ``commands``,
``consumers``, ``views`` and ``reports``, which nothing in this package imports.
"""
