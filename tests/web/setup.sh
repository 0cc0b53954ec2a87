#!/bin/sh
# Install what the browser tests drive Chromium with (docs/web.md, Tests and
# figures): puppeteer-core and axe-core from npm, at the versions in
# tests/web/package.json, into a cache outside the source tree
# ($CV_WEB_CACHE, default ~/.cache/casevault-web).  Prints the cache's
# node_modules.  Exit 77 (skip) when Chromium, node or npm is missing or npm
# cannot reach its registry.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cache=${CV_WEB_CACHE:-${HOME:-/tmp}/.cache/casevault-web}
for tool in chromium node npm; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool is not installed (scripts/deps.sh installs chromium; npm comes with Node.js)" >&2; exit 77; }
done
mkdir -p "$cache" || exit 77
if ! cmp -s "$here/package.json" "$cache/package.json" || [ ! -d "$cache/node_modules/puppeteer-core" ] ||
	[ ! -f "$cache/node_modules/axe-core/axe.min.js" ]; then
	cp "$here/package.json" "$cache/package.json"
	if ! (cd "$cache" && npm install --no-audit --no-fund --loglevel=error >"$cache/npm.log" 2>&1); then
		echo "SKIP: npm install of puppeteer-core and axe-core failed (no network to the npm registry?): see $cache/npm.log" >&2
		rm -f "$cache/package.json"
		exit 77
	fi
fi
echo "$cache/node_modules"
