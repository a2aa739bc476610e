# Sourced by scripts/test (after scripts/lib/venv.sh, for apt_install): install package-lock.json's npm packages into node_modules: hls.js
# (whose hls.min.js is vendored in web/video/static/vendor) and playwright-core (which drives Debian's
# chromium in the browser tests; it never downloads a browser). `npm ci` runs again only when
# package-lock.json changed; its output goes to .venv/npm-install.log, shown when it fails.
ensure_node_modules() {
  if ! command -v npm >/dev/null; then
    apt_install nodejs npm
  fi
  local stamp="node_modules/.installed"
  local want
  want="$(sha256sum package-lock.json | cut -c1-16)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  echo "scripts: installing npm packages into node_modules" >&2
  mkdir -p .venv
  if ! npm ci --no-audit --no-fund --ignore-scripts > .venv/npm-install.log 2>&1; then
    cat .venv/npm-install.log >&2
    echo "scripts: failed: npm ci" >&2
    return 1
  fi
  echo "$want" > "$stamp"
}
