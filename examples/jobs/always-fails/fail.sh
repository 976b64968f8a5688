#!/bin/sh
echo "about to fail"
echo "error: this job always fails" >&2
exit 3
