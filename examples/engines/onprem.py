#!/usr/bin/env python3
"""Riverbank Trust's private location (riverbank-onprem): the same hosting engine as the
platform's (hosting.py, on the Python engine kit), run on the customer's own site (--site NAME)
with its own directory and its own PostgreSQL server (HOSTING_STATE_DIR, HOSTING_DATABASE_URL
in that site's environment)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hosting  # noqa: E402

hosting.main(sys.argv[1:])
