#!/bin/sh
set -eu
echo "package: building archive"
echo "package: done"
