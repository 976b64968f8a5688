#!/bin/sh
# Greets $ARG_NAME. Arguments arrive as ARG_<NAME> variables and, all of
# them but secrets, as JSON in FLWD_ARGS_JSON; secrets arrive as files.
set -eu

greeting="${GREETING:-Hello}, ${ARG_NAME:-world}!"
if [ "${ARG_LOUD:-false}" = "true" ]; then
  greeting=$(printf '%s' "$greeting" | tr '[:lower:]' '[:upper:]')
fi
echo "$greeting"

# Tags: the JSON array from FLWD_ARGS_JSON when present, else ARG_TAGS.
tags=""
if [ -n "${FLWD_ARGS_JSON:-}" ]; then
  tags=$(printf '%s' "$FLWD_ARGS_JSON" | sed -n 's/.*"tags" *: *\[\([^]]*\)\].*/\1/p' | sed 's/" *, *"/, /g; s/^"//; s/"$//')
fi
if [ -z "$tags" ] && [ -n "${ARG_TAGS:-}" ]; then
  tags=$ARG_TAGS
fi
if [ -n "$tags" ]; then
  echo "tags: $tags"
fi

if [ -n "${FLWD_SECRETS_DIR:-}" ] && [ -f "$FLWD_SECRETS_DIR/token" ]; then
  echo "token: provided (not shown)"
else
  echo "token: not provided"
fi
