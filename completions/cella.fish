# fish completion for cella(1). The candidates come from `cella __complete`,
# which reads the same command table and flag lists as `cella --help`.
function __cella_complete
	set -l tokens (commandline -opc)
	set -l cur (commandline -ct)
	set -l out ($tokens[1] __complete $tokens[2..-1] "$cur" 2>/dev/null)
	if test "$out" = ":files"
		__fish_complete_path "$cur"
	else
		printf '%s\n' $out
	end
end
complete -c cella -f -a '(__cella_complete)'
