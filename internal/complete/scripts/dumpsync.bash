# bash completion for dumpsync: eval "$(dumpsync completion bash)" in ~/.bashrc.
# Candidates come from the program itself (dumpsync __complete WORD...).
_dumpsync() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    local IFS=$'\n'
    local -a out
    out=($(dumpsync __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
    COMPREPLY=()
    local c
    for c in "${out[@]}"; do
        if [[ $c == ":files" ]]; then
            [[ $cur == "=" ]] && cur=""
            COMPREPLY+=($(compgen -f -- "$cur"))
        else
            COMPREPLY+=("$c")
        fi
    done
}
complete -o filenames -F _dumpsync dumpsync
