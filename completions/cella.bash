# bash completion for cella(1). The candidates come from `cella __complete`,
# which reads the same command table and flag lists as `cella --help`.
_cella() {
	local cur=${COMP_WORDS[COMP_CWORD]} out
	local IFS=$'\n'
	out=$("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
	if [ "$out" = ":files" ]; then
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
	else
		COMPREPLY=($(compgen -W "$out" -- "$cur"))
	fi
}
complete -F _cella cella
