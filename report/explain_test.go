package report_test

import (
	"strings"
	"testing"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/report"
)

// explainAt returns the explanation of hop ttl of tr, joined.
func explainAt(t *testing.T, tr *analyze.Trace, ttl int) string {
	t.Helper()
	for _, h := range tr.Hops() {
		if h.TTL == ttl {
			return strings.Join(report.Explain(tr, h), " ")
		}
	}
	t.Fatalf("no hop %d", ttl)
	return ""
}

// explainCase is a hop of a trace and what its explanation must say
// (want) and must not (never).
type explainCase struct {
	name  string
	tr    *analyze.Trace
	ttl   int
	want  []string
	never []string
}

// runExplainCases checks each case's explanation in a subtest.
func runExplainCases(t *testing.T, tests []explainCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := explainAt(t, tt.tr, tt.ttl)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Explain(hop %d) = %q, want it to say %q", tt.ttl, got, w)
				}
			}
			for _, n := range tt.never {
				if strings.Contains(got, n) {
					t.Errorf("Explain(hop %d) = %q, must not say %q", tt.ttl, got, n)
				}
			}
		})
	}
}

// The rules that lab captures cannot show (replay/explain_test.go checks
// the others on real captures): an asymmetric return path, an RTT that
// jumps then falls back, and load balancing.
func TestExplainSynthetic(t *testing.T) {
	dst := addr("10.77.5.2")
	tests := []explainCase{
		{
			name: "asymmetric return path",
			tr: &analyze.Trace{Src: addr("10.77.1.1"), Dst: dst, Proto: analyze.ICMP, Probes: []*analyze.Probe{
				probe(1, 0, te("10.77.1.2", us(100), 64)),
				// hop 2 answers with TTL 61: 4 hops back for 2 forward
				probe(2, us(1), te("10.77.2.2", us(200), 61)),
				probe(3, us(2), echo("10.77.5.2", us(300), 62)),
			}},
			ttl:   2,
			want:  []string{"arrived with TTL 61", "crossed 4 hops back while the probe crossed 2 forward", "asymmetric"},
			never: []string{"as many as"},
		},
		{
			name: "symmetric return path",
			tr: &analyze.Trace{Src: addr("10.77.1.1"), Dst: dst, Proto: analyze.ICMP, Probes: []*analyze.Probe{
				probe(1, 0, te("10.77.1.2", us(100), 64)),
				probe(2, us(1), te("10.77.2.2", us(200), 63)),
			}},
			ttl:   2,
			want:  []string{"crossed 2 hops back, as many as the probe crossed forward"},
			never: []string{"asymmetric"},
		},
		{
			name: "rtt jumps then falls back",
			tr: &analyze.Trace{Src: addr("10.77.1.1"), Dst: dst, Proto: analyze.ICMP, Probes: []*analyze.Probe{
				probe(1, 0, te("10.77.1.2", us(100), 64)),
				probe(2, us(1), te("10.77.2.2", us(9000), 63)),
				probe(3, us(2), te("10.77.3.2", us(300), 62)),
			}},
			ttl:  2,
			want: []string{"higher than at hop 3", "not a slow link"},
		},
		{
			name: "rtt grows steadily",
			tr: &analyze.Trace{Src: addr("10.77.1.1"), Dst: dst, Proto: analyze.ICMP, Probes: []*analyze.Probe{
				probe(1, 0, te("10.77.1.2", us(100), 64)),
				probe(2, us(1), te("10.77.2.2", us(9000), 63)),
				probe(3, us(2), te("10.77.3.2", us(9100), 62)),
			}},
			ttl:   2,
			never: []string{"not a slow link"},
		},
		{
			name: "load balancing",
			tr: &analyze.Trace{Src: addr("10.77.1.1"), Dst: dst, Proto: analyze.ICMP, Probes: []*analyze.Probe{
				probe(1, 0, te("10.0.0.1", us(100), 64)),
				probe(1, us(1), te("10.0.0.2", us(100), 64)),
				probe(1, us(2), te("10.0.0.1", us(100), 64)),
			}},
			ttl:  1,
			want: []string{"from 2 addresses at this TTL (10.0.0.1, 10.0.0.2)", "load"},
		},
		{
			name: "tcp syn-ack from the destination",
			tr: &analyze.Trace{Src: addr("10.77.1.1"), Dst: dst, Proto: analyze.TCP, Probes: []*analyze.Probe{
				probe(1, 0, synack("10.77.5.2", us(100), 64)),
			}},
			ttl:  1,
			want: []string{"TCP SYN-ACK", "reached after 1 hops"},
		},
	}
	runExplainCases(t, tests)
}

// rewritten is r with the quoted fields rw marked rewritten.
func rewritten(r *analyze.Reply, rw analyze.Rewritten) *analyze.Reply {
	r.Rewritten = rw
	return r
}

// TestExplainRewritten checks the sentence on fields a NAT or middlebox
// rewrote, and that a checksum changed with a port or address it covers
// is said to follow from them.
func TestExplainRewritten(t *testing.T) {
	dst, dst6 := addr("10.77.5.2"), addr("fd77:5::2")
	tests := []explainCase{
		{
			name: "nat rewrote the source port of udp",
			tr: &analyze.Trace{Src: addr("10.77.1.1"), Dst: dst, Proto: analyze.UDP, Probes: []*analyze.Probe{
				probe(1, 0, te("10.77.1.2", us(100), 64)),
				probe(2, us(1), rewritten(te("10.77.2.2", us(200), 63), analyze.RewriteSrcPort|analyze.RewriteChecksum)),
			}},
			ttl: 2,
			want: []string{"a NAT or middlebox rewrote the source port between the source and this router",
				"the UDP checksum differs only as a consequence"},
			never: []string{"rewrote the source port and"},
		},
		{
			name: "ip id and tos",
			tr: &analyze.Trace{Src: addr("10.77.1.1"), Dst: dst, Proto: analyze.ICMP, Probes: []*analyze.Probe{
				probe(1, 0, te("10.77.1.2", us(100), 64)),
				probe(1, us(1), rewritten(te("10.77.1.2", us(100), 64), analyze.RewriteIPID|analyze.RewriteTOS)),
			}},
			ttl:   1,
			want:  []string{"rewrote the IP ID and the TOS byte (DSCP and ECN) between the source and this router."},
			never: []string{"consequence"},
		},
		{
			name: "checksum alone",
			tr: &analyze.Trace{Src: addr("10.77.1.1"), Dst: dst, Proto: analyze.TCP, Probes: []*analyze.Probe{
				probe(1, 0, rewritten(te("10.77.1.2", us(100), 64), analyze.RewriteChecksum)),
			}},
			ttl:   1,
			want:  []string{"rewrote the TCP checksum between"},
			never: []string{"consequence"},
		},
		{
			name: "icmpv6 checksum after a source address",
			tr: &analyze.Trace{Src: addr("fd77:1::1"), Dst: dst6, Proto: analyze.ICMP, Probes: []*analyze.Probe{
				probe(1, 0, rewritten(te("fd77:1::2", us(100), 64), analyze.RewriteSrcAddr|analyze.RewriteChecksum|analyze.RewriteFlow)),
			}},
			ttl:  1,
			want: []string{"rewrote the source address and the flow label between", "the ICMPv6 checksum differs only as a consequence"},
		},
		{
			name: "nothing rewritten",
			tr: &analyze.Trace{Src: addr("10.77.1.1"), Dst: dst, Proto: analyze.UDP, Probes: []*analyze.Probe{
				probe(1, 0, te("10.77.1.2", us(100), 64)),
			}},
			ttl:   1,
			never: []string{"rewrote", "middlebox"},
		},
	}
	runExplainCases(t, tests)
}
