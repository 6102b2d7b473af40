#!/usr/bin/env bash
# The Debian packages the tests drive for real: Chromium (browser tests, through playwright-core, which cannot
# download a browser here), PostgreSQL (the shared store's tests start a throwaway cluster) and openssl (the
# production-shaped cluster's certificates). Run by `npm test`
# before anything else, so `npm ci && npm test` works on a fresh machine; installs only what is missing, and only
# where it can (root with apt-get). Anywhere else it says what to install and stops.
set -uo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# The production-shaped cluster's throwaway CA (npm run test:cluster).
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "the tests need these Debian packages: ${missing[*]} (sudo apt-get install -y ${missing[*]})" >&2
  exit 1
fi
echo "installing ${missing[*]} (Debian packages) for the browser and PostgreSQL tests"
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
  || { echo "could not install ${missing[*]}" >&2; exit 1; }
