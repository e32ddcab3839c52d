#!/bin/sh
# The sandbox's first process: starts `opencode serve`, then becomes the runner.
#
#   sh launch-opencode.sh NODE ENTRY [ARGS...]
#
# OpenCode's start-up is the longest step of a session's start and resume, and it does not need the runner: started
# from here it begins ~60 ms sooner than from the runner's Node, which must first boot and load its modules. The
# runner adopts this OpenCode (early-start.ts) from what is passed to it: AGENT_OPS_OPENCODE_PID,
# AGENT_OPS_OPENCODE_PASSWORD and AGENT_OPS_OPENCODE_OUTPUT (OpenCode's stdout and stderr, where it prints its URL).
# When something is missing it starts nothing and runs the runner anyway, which reports the problem or starts
# OpenCode itself.
#
# OpenCode gets exactly what the runner would give it (opencode-config.ts: buildOpencodeConfig, buildOpencodeEnv;
# a test compares the two): none of the runner's variables, its XDG dirs in the state dir, its config merged over
# a base that keeps it offline. Every process started here costs ~1 ms: on a resume (its dirs made already) there
# are only `env`, the subshell and OpenCode itself.

node=$1
entry=$2
if [ -z "$node" ] || [ -z "$entry" ]; then
  echo 'usage: launch-opencode.sh NODE ENTRY [ARGS...]' >&2
  exit 2
fi

launch() {
  state=$AGENT_OPS_STATE_DIR
  workspace=$AGENT_OPS_WORKSPACE
  server=$AGENT_OPS_OPENCODE_CONFIG
  case $state in /*) ;; *) return 1 ;; esac
  case $workspace in /*) ;; *) return 1 ;; esac
  # The server's config is one JSON object (JSON.stringify: one line, no padding); its members follow the base's,
  # so they win, as in buildOpencodeConfig's spread (OpenCode's parser keeps a repeated key's last value).
  case $server in '{'*'}') ;; *) return 1 ;; esac
  members=${server#\{}
  members=${members%\}}
  base='"$schema":"https://opencode.ai/config.json","autoupdate":false,"share":"disabled"'
  if [ -n "$AGENT_OPS_PANEL_SOCKET" ]; then
    port=${AGENT_OPS_BROWSER_MCP_PORT:-9221}
    # Anything but a plain port number: left to the runner's own rules (env.ts), as is the start.
    case $port in '' | *[!0-9]* | 0*) return 1 ;; esac
    [ "${#port}" -le 5 ] && [ "$port" -le 65535 ] || return 1
    base="$base"',"mcp":{"browser":{"type":"remote","url":"http://127.0.0.1:'"$port"'/mcp","oauth":false,"enabled":true}}'
  fi
  if [ -n "$members" ]; then config="{$base,$members}"; else config="{$base}"; fi
  binary=${AGENT_OPS_OPENCODE_BIN:-"$app/node_modules/.bin/opencode"}

  # makeXdgDirs: private dirs; OpenCode's global config dir read-only, so it installs no plugin SDK there.
  if [ ! -d "$state/config/opencode" ] || [ -w "$state/config/opencode" ]; then
    mkdir -p -m 700 "$state/config" "$state/data" "$state/cache" "$state/state" || return 1
    mkdir -p "$state/config/opencode" && chmod 555 "$state/config/opencode" || return 1
  fi
  # 244 random bits from the kernel, read without starting a process.
  read -r a </proc/sys/kernel/random/uuid && read -r b </proc/sys/kernel/random/uuid || return 1
  password=$a$b
  output=$state/opencode.out
  pidfile=$state/opencode.pid

  (
    # None of the runner's variables (the control token stays with it), as buildOpencodeEnv.
    set -f # the lines of `env` are data, not patterns
    saved=$IFS
    IFS='
'
    for line in $(env); do
      name=${line%%=*}
      case $name in AGENT_OPS_* | OPENCODE_* | NODE_COMPILE_CACHE) unset "$name" ;; esac
    done
    IFS=$saved
    export XDG_CONFIG_HOME="$state/config" XDG_DATA_HOME="$state/data" XDG_CACHE_HOME="$state/cache" \
      XDG_STATE_HOME="$state/state" OPENCODE_SERVER_PASSWORD="$password" OPENCODE_CONFIG_CONTENT="$config" \
      OPENCODE_DISABLE_AUTOUPDATE=1 OPENCODE_DISABLE_MODELS_FETCH=1 OPENCODE_DISABLE_LSP_DOWNLOAD=1 \
      OPENCODE_DISABLE_SHARE=1
    cd "$workspace" || exit 1
    # Its own session and process group (setsid execs it in place: a background job of a shell without job
    # control leads no group), so a stop reaches the tools it starts. This subshell then exits: OpenCode's parent
    # becomes the sandbox's init, which reaps it.
    setsid "$binary" serve --port 0 --hostname 127.0.0.1 </dev/null >"$output" 2>&1 &
    echo "$!" >"$pidfile"
  ) || return 1
  read -r pid <"$pidfile" || return 1
  export AGENT_OPS_OPENCODE_PID="$pid" AGENT_OPS_OPENCODE_PASSWORD="$password" AGENT_OPS_OPENCODE_OUTPUT="$output"
}

# The application's root: this file is packages/runner/src/launch-opencode.sh in it (started by its absolute path).
here=${0%/*}
app=${here%/packages/runner/src}
launch || echo 'launch-opencode.sh: OpenCode not started here; the runner starts it' >&2
shift 2
exec "$node" "$entry" "$@"
