package report

import (
	"fmt"
	"io"
	"math"
	"net/netip"
	"strconv"
	"strings"
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
// not below RTTL, minus RTTL, plus 1. Hops follow o.StopAtEnd.
func Stats(w io.Writer, tr *analyze.Trace, o Options) error {
	rows := [][]string{{"Hop", "Host", "Sent", "Recv", "Loss%", "Last", "Avg", "Best", "Wrst", "StDev", "RTTL", "Back"}}
	for _, h := range o.hops(tr) {
		rows = append(rows, statsRows(h, o)...)
	}
	var b strings.Builder
	b.WriteString(title(tr))
	writeTable(&b, rows, 1) // Host is text, the rest numbers
	_, err := io.WriteString(w, b.String())
	return err
}

// statsRows returns the rows of one hop.
func statsRows(h analyze.Hop, o Options) [][]string {
	sent, answered := len(h.Probes), 0
	for _, p := range h.Probes {
		if p.Reply != nil {
			answered++
		}
	}
	ttl := strconv.Itoa(h.TTL)
	loss := fmt.Sprintf("%.1f%%", 100*float64(sent-answered)/float64(sent))
	who := h.Responders()
	if len(who) == 0 {
		return [][]string{{ttl, "???", strconv.Itoa(sent), "0", loss, "", "", "", "", "", "", ""}}
	}
	rows := make([][]string, 0, len(who))
	for i, a := range who {
		row := statsRow(h, a, o)
		if i == 0 {
			row[0], row[2], row[4] = ttl, strconv.Itoa(sent), loss
		}
		rows = append(rows, row)
	}
	return rows
}

// statsRow returns the row of responder a at hop h, TTL, Sent and Loss%
// left blank.
func statsRow(h analyze.Hop, a netip.Addr, o Options) []string {
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
	return []string{
		"", o.host(a), "", strconv.Itoa(n), "",
		ms(last.RTT), ms(mean), ms(best), ms(worst), strconv.FormatFloat(stdev, 'f', 3, 64),
		strconv.Itoa(int(last.TTL)), strconv.Itoa(backHops(last.TTL)),
	}
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

// writeTable writes rows as columns two spaces apart, each as wide as its
// widest cell, aligned right except column left. Trailing blanks are
// trimmed.
func writeTable(b *strings.Builder, rows [][]string, left int) {
	var width []int
	for _, row := range rows {
		for i, c := range row {
			if i == len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	for _, row := range rows {
		var line strings.Builder
		for i, c := range row {
			if i > 0 {
				line.WriteString("  ")
			}
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i == left {
				line.WriteString(c + pad)
			} else {
				line.WriteString(pad + c)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteString("\n")
	}
}
