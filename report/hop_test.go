package report_test

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/report"
)

func TestHeader(t *testing.T) {
	tests := []struct {
		name string
		host string
		want string
	}{
		{"numeric", "", "tracers to 10.77.5.2 (10.77.5.2), 30 hops max, 60 byte packets\n"},
		{"named", "dst.lab", "tracers to dst.lab (10.77.5.2), 30 hops max, 60 byte packets\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := report.Header(&b, addr("10.77.5.2"), tt.host, 30, 60); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tt.want {
				t.Errorf("Header() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHop(t *testing.T) {
	hop := func(ttl int, ps ...*analyze.Probe) analyze.Hop {
		for _, p := range ps {
			p.TTL = ttl
		}
		return analyze.Hop{TTL: ttl, Probes: ps}
	}
	tests := []struct {
		name string
		hop  analyze.Hop
		o    report.Options
		want string
	}{
		{"answered", hop(1,
			probe(1, 0, te("10.77.1.2", us(121), 64)),
			probe(1, 0, te("10.77.1.2", us(10), 64)),
			probe(1, 0, te("10.77.1.2", us(9), 64)),
		), report.Options{}, " 1  10.77.1.2  0.121 ms  0.010 ms  0.009 ms\n"},
		{"silent", hop(2, probe(2, 0, nil), probe(2, 0, nil), probe(2, 0, nil)),
			report.Options{}, " 2  * * *\n"},
		{"host unreachable", hop(3,
			probe(3, 0, unreach("10.77.3.2", us(43), 63, 1, analyze.HostUnreachable, false)),
			probe(3, 0, unreach("10.77.3.2", us(21), 63, 1, analyze.HostUnreachable, false)),
			probe(3, 0, nil),
		), report.Options{}, " 3  10.77.3.2  0.043 ms !H  0.021 ms !H *\n"},
		{"load balancing", hop(4,
			probe(4, 0, te("10.0.0.1", us(100), 64)),
			probe(4, 0, te("10.0.0.2", us(200), 64)),
			probe(4, 0, te("10.0.0.2", us(300), 64)),
		), report.Options{}, " 4  10.0.0.1  0.100 ms 10.0.0.2  0.200 ms  0.300 ms\n"},
		{"same responder after a star", hop(5,
			probe(5, 0, te("10.0.0.1", us(100), 64)),
			probe(5, 0, nil),
			probe(5, 0, te("10.0.0.1", us(300), 64)),
		), report.Options{}, " 5  10.0.0.1  0.100 ms *  0.300 ms\n"},
		{"star first", hop(6,
			probe(6, 0, nil),
			probe(6, 0, te("10.0.0.1", us(100), 64)),
			probe(6, 0, te("10.0.0.1", us(300), 64)),
		), report.Options{}, " 6  * 10.0.0.1  0.100 ms  0.300 ms\n"},
		{"names", hop(7,
			probe(7, 0, te("10.77.1.2", us(1), 64)),
			probe(7, 0, te("10.0.0.1", us(2), 64)),
		), report.Options{Names: names}, " 7  gw.lab (10.77.1.2)  0.001 ms 10.0.0.1  0.002 ms\n"},
		{"rounded to the microsecond", hop(8,
			probe(8, 0, te("10.0.0.1", 1234567*time.Nanosecond, 64)),
			probe(8, 0, te("10.0.0.1", 1234499*time.Nanosecond, 64)),
			probe(8, 0, te("10.0.0.1", 12*time.Second, 64)),
		), report.Options{}, " 8  10.0.0.1  1.235 ms  1.234 ms  12000.000 ms\n"},
		{"destination port unreachable", hop(9,
			probe(9, 0, unreach("10.77.5.2", us(150), 63, 3, analyze.PortUnreachable, true)),
		), report.Options{}, " 9  10.77.5.2  0.150 ms\n"},
		{"router port unreachable", hop(9,
			probe(9, 0, unreach("10.0.0.1", us(150), 63, 3, analyze.PortUnreachable, false)),
		), report.Options{}, " 9  10.0.0.1  0.150 ms !\n"},
		{"packet too big", hop(3,
			probe(3, 0, &analyze.Reply{From: addr("fd77:2::2"), RTT: us(10), Kind: analyze.FragNeeded, Type: layers.ICMPv6TypePacketTooBig, TTL: 63}),
			probe(3, 0, te("fd77:3::2", us(54), 62)),
		), report.Options{}, " 3  fd77:2::2  0.010 ms !F fd77:3::2  0.054 ms\n"},
		{"past destination", analyze.Hop{TTL: 12, PastDest: true, Probes: []*analyze.Probe{
			probe(12, 0, echo("10.77.5.2", us(70), 61)),
		}}, report.Options{}, "12  10.77.5.2  0.070 ms  (past destination)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := report.Hop(&b, tt.hop, tt.o); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tt.want {
				t.Errorf("Hop(%d) = %q, want %q", tt.hop.TTL, got, tt.want)
			}
		})
	}
}

// TestGolden renders every test trace as text, both ways, and as a table.
func TestGolden(t *testing.T) {
	for _, nt := range testTraces() {
		t.Run(nt.name, func(t *testing.T) {
			var b bytes.Buffer
			for _, c := range []struct {
				title string
				o     report.Options
			}{
				{"Text, replay", report.Options{}},
				{"Text, run", report.Options{StopAtEnd: true}},
				{"Text, replay with names", report.Options{Names: names}},
				{"Stats, replay", report.Options{}},
				{"Stats, run with names", report.Options{StopAtEnd: true, Names: names}},
			} {
				b.WriteString("== " + c.title + "\n")
				render := report.Text
				if strings.HasPrefix(c.title, "Stats") {
					render = report.Stats
				}
				if err := render(&b, nt.tr, c.o); err != nil {
					t.Fatal(err)
				}
			}
			golden(t, nt.name, b.String())
		})
	}
}

func TestTextEmpty(t *testing.T) {
	tr := &analyze.Trace{Src: addr("10.77.1.1"), Dst: addr("10.77.5.2"), Proto: analyze.ICMP}
	var b bytes.Buffer
	if err := report.Text(&b, tr, report.Options{}); err != nil {
		t.Fatal(err)
	}
	want := "trace 10.77.1.1 -> 10.77.5.2 (icmp), 0 probes\ndestination 10.77.5.2 not reached\n"
	if got := b.String(); got != want {
		t.Errorf("Text(empty) = %q, want %q", got, want)
	}
}

// TestStopAtEnd checks which hops run and replay show.
func TestStopAtEnd(t *testing.T) {
	for _, nt := range testTraces() {
		t.Run(nt.name, func(t *testing.T) {
			for _, stop := range []bool{false, true} {
				var b bytes.Buffer
				if err := report.Text(&b, nt.tr, report.Options{StopAtEnd: stop}); err != nil {
					t.Fatal(err)
				}
				last := 0
				for _, line := range strings.Split(b.String(), "\n") {
					if ttl, ok := hopTTL(line); ok {
						last = ttl
					}
				}
				want := maxTTL(nt.tr)
				if e := nt.tr.EndTTL(); stop && e != 0 {
					want = e
				}
				if last != want {
					t.Errorf("Text(StopAtEnd: %v) ends at hop %d, want %d", stop, last, want)
				}
			}
		})
	}
}

// TestStatsEndsAtEnd checks that the table, run's or replay's, ends at
// the TTL where the trace ended, as mtr's ends at the destination, and
// that a replay's probes past it are counted below it (a run's are not
// shown at all).
func TestStatsEndsAtEnd(t *testing.T) {
	for _, nt := range testTraces() {
		t.Run(nt.name, func(t *testing.T) {
			for _, stop := range []bool{false, true} {
				var b bytes.Buffer
				if err := report.Stats(&b, nt.tr, report.Options{StopAtEnd: stop}); err != nil {
					t.Fatal(err)
				}
				lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
				last, note := 0, ""
				for _, line := range lines[2:] {
					if strings.HasPrefix(line, "past hop ") {
						note = line
					} else if n, err := strconv.Atoi(strings.Fields(line)[0]); err == nil {
						last = n
					}
				}
				end, past := nt.tr.EndTTL(), 0
				if end == 0 {
					end = maxTTL(nt.tr)
				}
				for _, p := range nt.tr.Probes {
					if p.TTL > end && !stop { // a run shows nothing past its end
						past++
					}
				}
				if last != end {
					t.Errorf("Stats(StopAtEnd: %v) ends at hop %d, want %d", stop, last, end)
				}
				switch {
				case past == 0 && note != "":
					t.Errorf("Stats(StopAtEnd: %v): unexpected line %q", stop, note)
				case past > 0 && !strings.Contains(note, fmt.Sprintf("past hop %d: ", end)) ||
					past > 0 && !strings.Contains(note, fmt.Sprintf("(%d probe", past)):
					t.Errorf("Stats(StopAtEnd: %v): last line %q, want past hop %d with %d probes", stop, note, end, past)
				}
			}
		})
	}
}

func maxTTL(tr *analyze.Trace) int {
	m := 0
	for _, p := range tr.Probes {
		m = max(m, p.TTL)
	}
	return m
}

// hopTTL returns the TTL that starts a hop line, or false for other lines.
func hopTTL(line string) (int, bool) {
	if len(line) < 3 || line[2] != ' ' {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[:2]))
	return n, err == nil
}

// TestTextWriter checks that a TextWriter, which reuses its buffers from
// trace to trace, writes every test trace as Text does (and Stats with
// stats set), a blank line between two, whatever came before.
func TestTextWriter(t *testing.T) {
	for _, o := range []struct {
		name  string
		o     report.Options
		stats bool
	}{
		{"text", report.Options{}, false},
		{"stats", report.Options{}, true},
		{"stats, run", report.Options{StopAtEnd: true}, true},
		{"explain, run", report.Options{Explain: true, StopAtEnd: true}, false},
		{"stats and explain, names", report.Options{Explain: true, Names: names}, true},
	} {
		t.Run(o.name, func(t *testing.T) {
			var got, want bytes.Buffer
			tw := report.NewText(&got, o.o, o.stats)
			// Twice over, so that long traces follow short ones and the
			// other way round.
			for i, nt := range append(testTraces(), testTraces()...) {
				if i > 0 {
					want.WriteString("\n")
				}
				if err := report.Text(&want, nt.tr, o.o); err != nil {
					t.Fatal(err)
				}
				if o.stats {
					want.WriteString("\n")
					if err := report.Stats(&want, nt.tr, o.o); err != nil {
						t.Fatal(err)
					}
				}
				if err := tw.Add(nt.tr); err != nil {
					t.Fatal(err)
				}
			}
			if got.String() != want.String() {
				t.Errorf("TextWriter wrote\n%s\nwant\n%s", got.String(), want.String())
			}
		})
	}
}
