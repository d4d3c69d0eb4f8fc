#!/usr/bin/env bash
# Creates .venv beside this repo and installs the project into it, once; later calls return at once.
# torch goes in first so the project's torch range takes the CPU wheel instead of pulling CUDA builds.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
stamp="$venv/.installed"
if [ -f "$stamp" ] && [ "$stamp" -nt "$root/pyproject.toml" ]; then
  exit 0
fi
py="$(command -v python3.11 || command -v python3)"
echo "Setting up $venv (first run only, a few minutes)..." >&2
[ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "torch==2.13.0"
"$venv/bin/python" -m pip install --quiet -e "$root[dev]"
touch "$stamp"
