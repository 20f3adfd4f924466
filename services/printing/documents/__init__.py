"""Pure document logic of the printing service: numbering, rendering, signing (no I/O to
brokers or databases)."""
