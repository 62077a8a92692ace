# Shared by scripts/run and scripts/test: a Python 3.11 virtualenv in .venv, and Debian
# packages installed only when missing.
set -euo pipefail

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=""
apt_install() {
  # apt_install PACKAGE[@COMMAND]... : install the Debian packages that are not installed yet.
  # With @COMMAND, a package whose command is already there counts as installed: node and npm
  # from NodeSource, say, whose nodejs package conflicts with Debian's npm.
  local missing=() spec pkg cmd
  for spec in "$@"; do
    pkg=${spec%%@*}
    cmd=${spec#"$pkg"}
    cmd=${cmd#@}
    if [ -n "$cmd" ] && { [ -x "$cmd" ] || command -v "$cmd" >/dev/null 2>&1; }; then
      continue
    fi
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing: ${missing[*]} (no apt-get here: install them with your package manager)" >&2
    return 1
  fi
  echo "Installing Debian packages: ${missing[*]}"
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

python_bin() {
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))'; then
      echo "$candidate"; return 0
    fi
  done
  echo "Python 3.11 or newer is needed" >&2; return 1
}

ensure_venv() {
  # ensure_venv [EXTRAS]: .venv with the project installed (editable), plus EXTRAS like "[test]".
  local py
  py=$(python_bin)
  if [ ! -x .venv/bin/python ]; then
    if ! "$py" -m venv .venv 2>/dev/null; then
      rm -rf .venv
      apt_install python3-venv
      "$py" -m venv .venv
    fi
  fi
  local stamp=".venv/.installed$1"
  if [ ! -f "$stamp" ] || [ setup.py -nt "$stamp" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e ".$1"
    touch "$stamp"
  fi
}
