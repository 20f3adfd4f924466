"""The Dinas reports as files and pictures: the table every export shares (``tables``), CSV and
XLSX (``export``), and SVG charts drawn here (``svg``, ``charts``) from intake's JSON report."""
