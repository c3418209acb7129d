#compdef dumpsync
# zsh completion for dumpsync: dumpsync completion zsh > "${fpath[1]}/_dumpsync".
# Candidates come from the program itself (dumpsync __complete WORD...).
_dumpsync() {
    local -a out
    out=("${(@f)$(dumpsync __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    if (( ${out[(I):files]} )); then
        _files
    fi
    out=("${(@)out:#:files}")
    compadd -a out
}
if [ "$funcstack[1]" = "_dumpsync" ]; then
    _dumpsync "$@"
else
    compdef _dumpsync dumpsync
fi
