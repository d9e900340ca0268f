# SPDX-License-Identifier: MIT
# bash completion for threadlab: commands, options, and the words they take
# (scenario names, categories, lock kinds, detectors), asked of threadlab
# itself (`threadlab list --names ...`), so it never offers a word the CLI
# would refuse. Installed as $(datadir)/bash-completion/completions/threadlab.

_threadlab_words()
{
    "${COMP_WORDS[0]}" list --names "$1" 2>/dev/null
}

_threadlab()
{
    local cur prev cmd
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    cmd=${COMP_WORDS[1]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$(_threadlab_words commands) --help --version" -- "$cur"))
        return
    fi
    case "$prev" in
    --category|-c) COMPREPLY=($(compgen -W "$(_threadlab_words categories)" -- "$cur")); return ;;
    --lock|-l) COMPREPLY=($(compgen -W "$(_threadlab_words locks) all correct" -- "$cur")); return ;;
    --detector|-d) COMPREPLY=($(compgen -W "$(_threadlab_words detectors)" -- "$cur")); return ;;
    --variant|-V) COMPREPLY=($(compgen -W "buggy fixed both" -- "$cur")); return ;;
    --mode|-m) COMPREPLY=($(compgen -W "potential actual" -- "$cur")); return ;;
    --names) COMPREPLY=($(compgen -W "scenarios categories locks detectors commands" -- "$cur")); return ;;
    --out|-o|--junit) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    esac
    local opts
    case "$cmd" in
    run|matrix)
        opts="--all --category --variant --lock --detector --threads --iterations --mode
              --repeat --timeout --jobs --no-monitor --out --junit --shard --quiet --verbose --help" ;;
    list) opts="--category --json --locks --names --help" ;;
    show) opts="--help" ;;
    validate) opts="--lock --threads --iterations --timeout --progress --quiet --help" ;;
    bench) opts="--lock --threads --seconds --repeat --json --no-peers --spin-yields --help" ;;
    help) COMPREPLY=($(compgen -W "$(_threadlab_words commands)" -- "$cur")); return ;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    elif [ "$cmd" = run ] || [ "$cmd" = matrix ] || [ "$cmd" = show ]; then
        COMPREPLY=($(compgen -W "$(_threadlab_words scenarios)" -- "$cur"))
    fi
}
complete -F _threadlab threadlab
