#!/bin/sh
set -eu
echo "prepare: fetching dependencies"
echo "prepare: done"
