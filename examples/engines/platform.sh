#!/bin/sh
# The platform engines (platform-eu, platform-ap): the hosting engine in hosting.py, on the
# Python engine kit. Arguments (--region REGION) pass through; see hosting.py for what it needs.
exec python3 "$(dirname "$0")/hosting.py" "$@"
