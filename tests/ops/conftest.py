from tests.e2e.conftest import system  # noqa: F401  (the whole system, as processes)
