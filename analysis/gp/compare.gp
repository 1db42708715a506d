# Lines over footprint, one per data file: files and titles are space-
# separated lists; ylabel, title, logy (1 for a log y axis), term and out
# are set by the caller (analysis/render.py), and so are colours, dashes
# and points, one word per file. ref (optional) draws y = ref;
# xlabel (optional) names another x than the footprint, also in bytes.
if (term eq 'png') { set terminal pngcairo size 1100,650 noenhanced } else { set terminal svg size 1100,650 noenhanced }
set output out
set title title
set xlabel (exists('xlabel') ? xlabel : 'footprint (bytes)')
set ylabel ylabel
set logscale x 2
set format x '%.0b%B'
if (logy == 1) { set logscale y }
set grid
set key outside right top
if (exists('ref')) { set arrow from graph 0, first ref to graph 1, first ref nohead dt 2 lc rgb 'gray40' }
plot for [i=1:words(files)] word(files, i) using 1:2 with linespoints pt int(word(points, i)) ps 0.6 \
	lc rgb word(colours, i) dt int(word(dashes, i)) lw 1.4 title word(titles, i)
