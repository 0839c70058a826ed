"""The exhaustive claim matrix: its combinations (``matrix``), decision table (``report``), and the
in-process adapter for this repository's API (``django_api``, the only module importing ``apiexample``).
"""
