# fish completion for dumpsync: dumpsync completion fish > ~/.config/fish/completions/dumpsync.fish
# Candidates come from the program itself (dumpsync __complete WORD...).
function __dumpsync_complete
    set -l words (commandline -opc) (commandline -ct)
    for c in (dumpsync __complete $words[2..-1] 2>/dev/null)
        if test "$c" = ":files"
            __fish_complete_path (commandline -ct)
        else
            echo $c
        end
    end
end
complete -c dumpsync -f -a '(__dumpsync_complete)'
