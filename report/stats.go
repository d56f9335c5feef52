package report

import (
	"io"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tracers/tracers/analyze"
)

// Stats writes an mtr-like table for a trace, after the same title line
// as Text:
//
//	trace 10.77.1.1 -> 10.77.5.2 (icmp), 12 probes
//	Hop  Host       Sent  Recv   Loss%   Last    Avg   Best   Wrst  StDev  RTTL  Back
//	  1  10.77.1.2     3     3    0.0%  0.120  0.110  0.100  0.120  0.010    64     1
//	  2  10.0.0.1      3     1    0.0%  0.100  0.100  0.100  0.100  0.000   254     2
//	     10.0.0.2            2          0.300  0.250  0.200  0.300  0.071   126     3
//	  3  ???           3     0  100.0%
//	  4  10.77.5.2     3     3    0.0%  1.235  0.956  0.400  1.235  0.482    61     4
//
// There is one row per responder per TTL, in order of first answer; the
// TTL, Sent (probes with that TTL) and Loss% (of those probes, answered by
// nobody) are printed on a TTL's first row only, while Recv and the times
// count the replies from that row's responder. A TTL nobody answered shows
// "???". Last, Avg, Best, Wrst and StDev (the sample standard deviation,
// as mtr computes it) are round-trip times in milliseconds. RTTL is the IP
// TTL of the responder's last reply and Back the return-path length it
// implies: the initial TTL, guessed as the smallest of 32, 64, 128 and 255
// not below RTTL, minus RTTL, plus 1.
//
// The table ends where the trace ended (Trace.EndTTL), as mtr's ends at
// the destination, whatever o.StopAtEnd: when a replay's trace has probes
// past that TTL (a traceroute's parallel probes), a line after the table
// says so, "past hop 2: hops 3-4 (4 probes) not in the table", and the
// hop lines (Text) show them.
func Stats(w io.Writer, tr *analyze.Trace, o Options) error {
	var t table
	_, err := w.Write(appendStats(nil, tr, o.hops(tr), o, &t))
	return err
}

// appendStats appends Stats' table for tr, whose hops o shows are hops,
// to b, with t as scratch. The
// table is built in one buffer, cell by cell, and laid out from there: a
// string per cell made --stats the slowest replay mode.
func appendStats(b []byte, tr *analyze.Trace, hops []analyze.Hop, o Options, t *table) []byte {
	t.buf, t.ends, t.runes = t.buf[:0], t.ends[:0], t.runes[:0]
	for _, c := range statsHeader {
		t.buf = append(t.buf, c...)
		t.end()
	}
	shown := Options{StopAtEnd: true}.shown(tr, hops)
	past := hops[len(shown):]
	for _, h := range shown {
		t.who = statsRows(t, h, o, t.who[:0])
	}
	b = appendTitle(b, tr)
	b = t.appendTo(b, len(statsHeader), 1) // Host is text, the rest numbers
	if len(past) == 0 {
		return b
	}
	probes := 0
	for _, h := range past {
		probes += len(h.Probes)
	}
	b = append(b, "past hop "...)
	b = strconv.AppendInt(b, int64(tr.EndTTL()), 10)
	b = append(b, ": hop"...)
	if len(past) > 1 {
		b = append(b, 's')
	}
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(past[0].TTL), 10)
	if len(past) > 1 {
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(past[len(past)-1].TTL), 10)
	}
	b = append(b, " ("...)
	b = strconv.AppendInt(b, int64(probes), 10)
	b = append(b, " probe"...)
	if probes != 1 {
		b = append(b, 's')
	}
	return append(b, ") not in the table\n"...)
}

var statsHeader = [...]string{"Hop", "Host", "Sent", "Recv", "Loss%", "Last", "Avg", "Best", "Wrst", "StDev", "RTTL", "Back"}

// table is a table's cells, row after row, in one buffer.
type table struct {
	buf   []byte
	ends  []int // where each cell ends in buf
	runes []int // how many runes each cell holds
	who   []netip.Addr
	width []int
}

// end ends the cell appended to t.buf since the previous one.
func (t *table) end() {
	start := 0
	if n := len(t.ends); n > 0 {
		start = t.ends[n-1]
	}
	t.ends = append(t.ends, len(t.buf))
	t.runes = append(t.runes, runeCount(t.buf[start:]))
}

// runeCount is utf8.RuneCount(b), quick for ASCII, which cells nearly
// always are.
func runeCount(b []byte) int {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return utf8.RuneCount(b)
		}
	}
	return len(b)
}

// blank appends n empty cells.
func (t *table) blank(n int) {
	for range n {
		t.end()
	}
}

// appendTo appends t's rows of cols cells to b as columns two spaces
// apart, each as wide as its widest cell, aligned right except column
// left. Trailing blanks are trimmed.
func (t *table) appendTo(b []byte, cols, left int) []byte {
	t.width = append(t.width[:0], make([]int, cols)...)
	width := t.width
	for i, n := range t.runes {
		width[i%cols] = max(width[i%cols], n)
	}
	start := 0
	line := len(b)
	for i, e := range t.ends {
		c := t.buf[start:e]
		start = e
		col := i % cols
		if col == 0 {
			line = len(b)
		} else {
			b = append(b, "  "...)
		}
		pad := width[col] - t.runes[i]
		if col != left {
			b = appendSpaces(b, pad)
		}
		b = append(b, c...)
		if col == left {
			b = appendSpaces(b, pad)
		}
		if col == cols-1 {
			for len(b) > line && b[len(b)-1] == ' ' {
				b = b[:len(b)-1]
			}
			b = append(b, '\n')
		}
	}
	return b
}

func appendSpaces(b []byte, n int) []byte {
	for range n {
		b = append(b, ' ')
	}
	return b
}

// statsRows appends the rows of one hop to t; who is scratch for its
// responders, returned for reuse.
func statsRows(t *table, h analyze.Hop, o Options, who []netip.Addr) []netip.Addr {
	sent, answered := len(h.Probes), 0
	for _, p := range h.Probes {
		if p.Reply == nil {
			continue
		}
		answered++
		if !slices.Contains(who, p.Reply.From) {
			who = append(who, p.Reply.From)
		}
	}
	loss := 100 * float64(sent-answered) / float64(sent)
	if len(who) == 0 {
		t.buf = strconv.AppendInt(t.buf, int64(h.TTL), 10)
		t.end()
		t.buf = append(t.buf, "???"...)
		t.end()
		t.buf = strconv.AppendInt(t.buf, int64(sent), 10)
		t.end()
		t.buf = append(t.buf, '0')
		t.end()
		t.buf = append(strconv.AppendFloat(t.buf, loss, 'f', 1, 64), '%')
		t.end()
		t.blank(7)
		return who
	}
	for i, a := range who {
		if i == 0 {
			t.buf = strconv.AppendInt(t.buf, int64(h.TTL), 10)
		}
		t.end()
		t.buf = o.appendHost(t.buf, a)
		t.end()
		if i == 0 {
			t.buf = strconv.AppendInt(t.buf, int64(sent), 10)
		}
		t.end()
		statsRow(t, h, a, i == 0, loss)
	}
	return who
}

// statsRow appends the cells of responder a at hop h from Recv on; first
// says whether it is the hop's first row, which shows loss.
func statsRow(t *table, h analyze.Hop, a netip.Addr, first bool, loss float64) {
	var (
		n                      int
		last                   *analyze.Reply
		best, worst, sum, mean time.Duration
		ssd                    float64 // Welford's sum of squared deviations, in ms²
		meanMS                 float64
	)
	for _, p := range h.Probes {
		r := p.Reply
		if r == nil || r.From != a {
			continue
		}
		n++
		last = r
		if n == 1 || r.RTT < best {
			best = r.RTT
		}
		if n == 1 || r.RTT > worst {
			worst = r.RTT
		}
		sum += r.RTT
		x := msValue(r.RTT)
		d := x - meanMS
		meanMS += d / float64(n)
		ssd += d * (x - meanMS)
	}
	mean = sum / time.Duration(n)
	stdev := 0.0
	if n > 1 {
		stdev = math.Sqrt(ssd / float64(n-1))
	}
	t.buf = strconv.AppendInt(t.buf, int64(n), 10)
	t.end()
	if first {
		t.buf = append(strconv.AppendFloat(t.buf, loss, 'f', 1, 64), '%')
	}
	t.end()
	for _, d := range [...]time.Duration{last.RTT, mean, best, worst} {
		t.buf = appendMS3(t.buf, d)
		t.end()
	}
	t.buf = strconv.AppendFloat(t.buf, stdev, 'f', 3, 64)
	t.end()
	t.buf = strconv.AppendInt(t.buf, int64(last.TTL), 10)
	t.end()
	t.buf = strconv.AppendInt(t.buf, int64(backHops(last.TTL)), 10)
	t.end()
}

// backHops is the number of hops a reply with IP TTL ttl travelled back,
// guessing that its sender started from the smallest usual initial TTL
// (32, 64, 128 or 255) not below ttl.
func backHops(ttl uint8) int {
	for _, init := range [...]int{32, 64, 128, 255} {
		if int(ttl) <= init {
			return init - int(ttl) + 1
		}
	}
	return 1 // unreachable: ttl <= 255
}
