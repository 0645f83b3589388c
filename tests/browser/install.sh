#!/usr/bin/env bash
# Test-only tools for tests/browser: Debian's Chromium and a Java runtime (apt-get, only when
# missing), then axe-core and the Nu HTML checker (vnu-jar) from npm into tests/browser/node_modules,
# at the versions package-lock.json pins, and the test OpenID Connect provider into
# tests/oidc/node_modules. No browser or Java download of their own: Playwright
# drives /usr/bin/chromium, vnu.jar runs on the machine's Java (its postinstall is skipped).
set -euo pipefail
cd "$(dirname "$0")"

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v npm >/dev/null 2>&1 || need+=(npm)
# wrk: the HTTP load generator of bench/pages.py (its smoke test runs in the suite).
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "browser tests need: apt-get install ${need[*]} (as root)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -f node_modules/vnu-jar/build/dist/vnu.jar ] || [ ! -f node_modules/axe-core/axe.min.js ]; then
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
fi
# The OpenID Connect provider standing in for Ciudadanía Digital (tests/test_oidc.py and the
# journey tests/browser/test_oidc_journey.py): oidc-provider, as tests/oidc/package-lock.json pins.
if [ ! -f ../oidc/node_modules/oidc-provider/package.json ]; then
  (cd ../oidc && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
fi
# The browser tests inject the committed copy; it must be the pinned release.
if ! cmp -s node_modules/axe-core/axe.min.js vendor/axe.min.js; then
  echo "tests/browser/vendor/axe.min.js is not the axe-core of package-lock.json:" >&2
  echo "  cp tests/browser/node_modules/axe-core/axe.min.js tests/browser/vendor/" >&2
  exit 1
fi
echo "browser test tools ready: $(/usr/bin/chromium --version 2>/dev/null | head -n 1), node $(node --version)"
