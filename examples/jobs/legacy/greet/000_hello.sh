#!/bin/sh
set -eu
i=0
while [ "$i" -lt "${ARG_TIMES:-1}" ]; do
  echo "hello, ${ARG_NAME:-world}"
  i=$((i + 1))
done
