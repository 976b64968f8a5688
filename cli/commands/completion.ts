/**
 * @module
 * `flwd completion bash|zsh|fish`: prints a completion script. Each script
 * is a thin shim that hands the words typed so far to the hidden
 * `flwd :complete -- <words>` helper, so commands, flags, job ids (and a
 * job's own flags, from its argspec) complete identically in every shell.
 */
import { expectPositionals, parseArgs, UsageError } from "../argv.ts"
import type { CommandContext } from "../context.ts"

// bash splits words at ':' and '=' (COMP_WORDBREAKS), so the script splits
// the line itself and strips what bash considers an earlier word from each
// candidate. `read -ra` splits on blanks: quoted words with spaces are rare
// on a job command line and only make completion less precise.
const bash = `# bash completion for flwd; load with: source <(flwd completion bash)
_flwd_complete() {
  local line="\${COMP_LINE:0:COMP_POINT}"
  local -a words
  read -ra words <<< "$line"
  if [[ "$line" =~ [[:space:]]$ ]]; then words+=(""); fi
  local cur="\${words[\${#words[@]}-1]}"
  local strip=""
  if [[ "$cur" == *[:=]* ]]; then strip="\${cur%"\${cur##*[:=]}"}"; fi
  COMPREPLY=()
  local candidate
  while IFS= read -r candidate; do
    COMPREPLY+=("\${candidate#"$strip"}")
  done < <("\${words[0]}" :complete -- "\${words[@]:1}" 2>/dev/null)
}
complete -o default -F _flwd_complete flwd
`

const zsh = `#compdef flwd
# zsh completion for flwd; load with: source <(flwd completion zsh)
# (after compinit), or save as _flwd in a directory on $fpath.
_flwd() {
  local -a candidates
  candidates=("\${(@f)$("\${words[1]}" :complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=("\${(@)candidates:#}")
  if (( \${#candidates} )); then
    compadd -Q -- "\${candidates[@]}"
  else
    _files
  fi
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then
  _flwd "$@"
else
  compdef _flwd flwd
fi
`

const fish = `# fish completion for flwd; load with: flwd completion fish | source
# or save as ~/.config/fish/completions/flwd.fish
function __flwd_complete
    set -l words (commandline -opc) (commandline -ct)
    $words[1] :complete -- $words[2..-1] 2>/dev/null
end
complete -c flwd -f -a '(__flwd_complete)'
`

const scripts: Readonly<Record<string, string>> = { bash, zsh, fish }

/** @since 0.1.0 @category commands */
export async function run(ctx: CommandContext): Promise<number> {
  const [shell] = expectPositionals(parseArgs(ctx.args, [], "completion"), 1, "completion")
  const script = shell === undefined ? undefined : scripts[shell]
  if (script === undefined) {
    throw new UsageError(`completion needs a shell: bash, zsh or fish`, { errors: [{ path: "shell", message: "must be bash, zsh or fish" }] })
  }
  ctx.out.raw("stdout", script)
  return 0
}
