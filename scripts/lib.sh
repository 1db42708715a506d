# Helpers shared by plot.sh and report.sh: read pagewalk's meta.json (one
# member per line) with awk, and format numbers.
# shellcheck shell=bash

# json_get FILE KEY: print the scalar value of KEY in pagewalk's meta.json
# (one member per line). KEY is a dotted path ("counters.status") or a bare
# key, which matches the shallowest occurrence outside arrays. Strings are
# unquoted and unescaped; null and a missing key print nothing.
json_get() {
	awk -v want="$2" '
	function unesc(s,    out, c, i) {
		out = ""
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c == "\\" && i < length(s)) {
				c = substr(s, ++i, 1)
				if (c == "n") c = "\n"; else if (c == "t") c = "\t"
				else if (c == "u") { c = "?"; i += 4 }
			}
			out = out c
		}
		return out
	}
	BEGIN { depth = 0; best = -1; dotted = index(want, ".") > 0 }
	{
		line = $0
		sub(/^[ \t]+/, "", line); sub(/[ \t\r]+$/, "", line); sub(/,$/, "", line)
		key = ""
		if (match(line, /^"([^"\\]|\\.)*": /)) {
			key = unesc(substr(line, 2, RLENGTH - 4))
			line = substr(line, RLENGTH + 1)
		}
		if (line ~ /^[\[{]$/) { stack[++depth] = key == "" ? "[]" : key; next }
		if (line ~ /^[\]}]$/) { if (depth > 0) depth--; next }
		if (key == "") next
		path = ""; inarr = 0
		for (i = 2; i <= depth; i++) {
			path = path stack[i] "."
			if (stack[i] == "[]") inarr = 1
		}
		if (dotted ? path key != want : (key != want || inarr)) next
		if (best >= 0 && depth >= best) next
		best = depth
		if (line == "null" || line ~ /^[\[{]/) val = ""
		else if (line ~ /^"/) val = unesc(substr(line, 2, length(line) - 2))
		else val = line
	}
	END { if (best >= 0) print val }
	' "$1"
}

# json_objects FILE ARRAY FIELD...: print one line per object of the array
# named ARRAY, the FIELDs separated by \x1f (null or missing prints empty).
# ARRAY is a bare name (its first occurrence as an array, at any depth) or a
# dotted path of object keys ("published.entries"): a scalar member of the
# same name ("entries": 72) never matches.
json_objects() {
	local file="$1" arr="$2"
	shift 2
	local IFS=","
	awk -v arr="$arr" -v fields="$*" '
	BEGIN {
		nf = split(fields, f, ","); inside = 0; depth = 0; nd = 0
		name = arr; parent = ""
		if (match(arr, /\.[^.]*$/)) { name = substr(arr, RSTART + 1); parent = substr(arr, 1, RSTART - 1) }
	}
	# The keys of the containers around this line, below the top level.
	function path(    p, i) {
		p = ""
		for (i = 2; i <= nd; i++) p = p (i > 2 ? "." : "") stack[i]
		return p
	}
	{
		line = $0
		sub(/^[ \t]+/, "", line); sub(/[ \t\r]+$/, "", line); sub(/,$/, "", line)
		if (!inside) {
			key = ""; rest = line
			if (match(line, /^"[^"]*": /)) { key = substr(line, 2, RLENGTH - 4); rest = substr(line, RLENGTH + 1) }
			if (rest == "[" && key == name && (parent == "" || path() == parent)) { inside = 1; next }
			if (rest ~ /^[\[{]$/) stack[++nd] = key
			else if (rest ~ /^[\]}]$/ && nd > 0) nd--
			next
		}
		if (line ~ /^\]$/ && depth == 0) { inside = 0; next }
		if (line ~ /^\{$/) { depth++; for (k in v) delete v[k]; next }
		if (line ~ /^\}$/) {
			depth--
			out = ""
			for (i = 1; i <= nf; i++) out = out (i > 1 ? "\037" : "") v[f[i]]
			print out
			next
		}
		if (depth == 1 && match(line, /^"[^"]*": /)) {
			k = substr(line, 2, RLENGTH - 4)
			val = substr(line, RLENGTH + 1)
			if (val == "null") val = ""
			else if (val ~ /^".*"$/) {
				val = substr(val, 2, length(val) - 2)
				gsub(/\\"/, "\"", val); gsub(/\\\\/, "\\", val)
			}
			v[k] = val
		}
	}
	' "$file"
}

# json_strings FILE ARRAY: the string elements of the array named ARRAY, one
# a line.
json_strings() {
	awk -v arr="$2" '
	{
		line = $0
		sub(/^[ \t]+/, "", line); sub(/[ \t\r]+$/, "", line); sub(/,$/, "", line)
		if (!inside) {
			if (index(line, "\"" arr "\": [") == 1 && line !~ /\]$/) inside = 1
			next
		}
		if (line ~ /^\]$/) { inside = 0; next }
		if (line ~ /^".*"$/) {
			line = substr(line, 2, length(line) - 2)
			gsub(/\\"/, "\"", line); gsub(/\\\\/, "\\", line)
			print line
		}
	}
	' "$1"
}

# human BYTES: 4096 -> 4K, 39903168 -> 38.1M, 64 -> 64B (binary units).
human() {
	awk -v b="$1" 'BEGIN {
		split("B K M G T P", u, " ")
		i = 1
		while (b >= 1024 && i < 6) { b /= 1024; i++ }
		s = b >= 100 ? sprintf("%.0f", b) : b >= 10 ? sprintf("%.1f", b) : sprintf("%.2f", b)
		if (s ~ /\./) { sub(/0+$/, "", s); sub(/\.$/, "", s) }
		print s u[i]
	}'
}

is_uint() {
	[[ "$1" =~ ^[0-9]+$ && "$1" != 0 ]]
}
