#!/bin/sh
set -eu
echo "goodbye, ${ARG_NAME:-world}"
