package report_test

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/report"
)

// testTraces6 are IPv6 traces, built directly as the analyzer would build
// them: ICMPv6 types and codes in the replies, hop limits for TTLs.
func testTraces6() []namedTrace {
	ms := time.Millisecond
	return []namedTrace{
		// A silent router at hop 2, load balancing at hop 3 onto a long
		// address, the destination at hop 4.
		{"ipv6", &analyze.Trace{
			Src: addr("fd77:1::1"), Dst: addr("fd77:5::2"), Proto: analyze.ICMP,
			Probes: []*analyze.Probe{
				probe(1, 0, te("fd77:1::2", us(121), 64)),
				probe(1, 1*ms, te("fd77:1::2", us(10), 64)),
				probe(1, 2*ms, te("fd77:1::2", us(9), 64)),
				probe(2, 3*ms, nil),
				probe(2, 4*ms, nil),
				probe(2, 5*ms, nil),
				probe(3, 6*ms, te("2001:db8:ffff:1234:5678:9abc:def0:1", us(43), 62)),
				probe(3, 7*ms, te("fd77:3::2", us(45), 62)),
				probe(3, 8*ms, te("2001:db8:ffff:1234:5678:9abc:def0:1", us(51), 62)),
				probe(4, 9*ms, echo("fd77:5::2", us(88), 61)),
				probe(4, 10*ms, echo("fd77:5::2", us(70), 61)),
				probe(4, 11*ms, echo("fd77:5::2", us(64), 61)),
				probe(5, 12*ms, echo("fd77:5::2", us(66), 61)),
			},
		}},
		// A UDP trace the destination ends with Port Unreachable, one of
		// whose probes at hop 1 got no reply.
		{"ipv6udp", &analyze.Trace{
			Src: addr("fd77:1::1"), Dst: addr("fd77:5::2"), Proto: analyze.UDP,
			Probes: []*analyze.Probe{
				probe(1, 0, te("fd77:1::2", us(80), 64)),
				probe(1, 1*ms, nil),
				probe(2, 2*ms, unreach("fd77:5::2", us(150), 63, 4, analyze.PortUnreachable, true)),
			},
		}},
	}
}

// names6 knows a name for some of the IPv6 test addresses.
func names6(a netip.Addr) string {
	switch a {
	case addr("fd77:1::2"):
		return "gw6.lab"
	case addr("fd77:5::2"):
		return "dst6.lab"
	}
	return ""
}

// TestGoldenIPv6 renders the IPv6 traces in every format: the layouts of
// IPv4 with IPv6 addresses in them, and explanations that speak of hop
// limits and ICMPv6.
func TestGoldenIPv6(t *testing.T) {
	var trs []*analyze.Trace
	for _, nt := range testTraces6() {
		trs = append(trs, nt.tr)
	}
	var b bytes.Buffer
	for _, nt := range testTraces6() {
		for _, c := range []struct {
			title string
			o     report.Options
		}{
			{"Text, replay", report.Options{}},
			{"Text, run", report.Options{StopAtEnd: true}},
			{"Text, replay with names", report.Options{Names: names6}},
			{"Text, explained", report.Options{Explain: true}},
			{"Stats, replay", report.Options{}},
		} {
			b.WriteString("== " + nt.name + ": " + c.title + "\n")
			render := report.Text
			if strings.HasPrefix(c.title, "Stats") {
				render = report.Stats
			}
			if err := render(&b, nt.tr, c.o); err != nil {
				t.Fatal(err)
			}
		}
	}
	b.WriteString("== JSON, replay with names\n")
	if err := report.JSON(&b, trs, report.Options{Names: names6}); err != nil {
		t.Fatal(err)
	}
	b.WriteString("== CSV, replay with names\n")
	c := report.NewCSV(&b, report.Options{Names: names6})
	for _, tr := range trs {
		if err := c.Add(tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	golden(t, "ipv6", b.String())
}

// TestExplainIPv6 checks that an IPv6 hop is explained with hop limits and
// ICMPv6 messages, and never with IPv4's TTL and ICMP types.
func TestExplainIPv6(t *testing.T) {
	dst := addr("fd77:5::2")
	tests := []explainCase{
		{
			name: "time exceeded",
			tr: &analyze.Trace{Src: addr("fd77:1::1"), Dst: dst, Proto: analyze.ICMP, Probes: []*analyze.Probe{
				probe(1, 0, te("fd77:1::2", us(100), 64)),
				probe(2, us(1), te("fd77:2::2", us(200), 61)),
				probe(2, us(2), nil),
			}},
			ttl: 2,
			want: []string{"fd77:2::2 sent ICMPv6 Time Exceeded (type 3, code 0: hop limit exceeded in transit)",
				"the probe's hop limit of 2 reached 0", "arrived with hop limit 61", "crossed 4 hops back while the probe crossed 2 forward",
				"routers limit the ICMPv6 errors they send"},
			never: []string{"TTL", "type 11", "ICMP errors"},
		},
		{
			name: "address unreachable",
			tr: &analyze.Trace{Src: addr("fd77:1::1"), Dst: dst, Proto: analyze.ICMP, Probes: []*analyze.Probe{
				probe(1, 0, unreach("fd77:1::2", us(100), 64, 3, analyze.HostUnreachable, false)),
				probe(2, us(1), nil),
			}},
			ttl:   1,
			want:  []string{"fd77:1::2 answered ICMPv6 Destination Unreachable: address unreachable (type 1, code 3)", "cannot deliver to fd77:5::2"},
			never: []string{"TTL", "host unreachable", "()"},
		},
		{
			name: "administratively prohibited",
			tr: &analyze.Trace{Src: addr("fd77:1::1"), Dst: dst, Proto: analyze.ICMP, Probes: []*analyze.Probe{
				probe(1, 0, unreach("fd77:1::2", us(100), 64, 1, analyze.AdminProhibited, false)),
			}},
			ttl:  1,
			want: []string{"ICMPv6 Destination Unreachable: communication with destination administratively prohibited (type 1, code 1)"},
		},
		{
			name: "beyond the stop",
			tr: &analyze.Trace{Src: addr("fd77:1::1"), Dst: dst, Proto: analyze.ICMP, Probes: []*analyze.Probe{
				probe(1, 0, unreach("fd77:1::2", us(100), 64, 0, analyze.NetUnreachable, false)),
				probe(2, us(1), nil),
			}},
			ttl:  2,
			want: []string{"Sent with hop limit 2, beyond hop 1"},
		},
		{
			name: "echo reply and past the destination",
			tr: &analyze.Trace{Src: addr("fd77:1::1"), Dst: dst, Proto: analyze.ICMP, Probes: []*analyze.Probe{
				probe(1, 0, echo("fd77:5::2", us(100), 64)),
				probe(2, us(1), echo("fd77:5::2", us(100), 64)),
			}},
			ttl:  1,
			want: []string{"The destination fd77:5::2 answered with ICMPv6 Echo Reply (type 129)"},
		},
		{
			name: "silent",
			tr: &analyze.Trace{Src: addr("fd77:1::1"), Dst: dst, Proto: analyze.ICMP, Probes: []*analyze.Probe{
				probe(1, 0, nil),
				probe(2, us(1), echo("fd77:5::2", us(100), 64)),
			}},
			ttl:  1,
			want: []string{"does not send ICMPv6 Time Exceeded"},
		},
		{
			name: "load balancing",
			tr: &analyze.Trace{Src: addr("fd77:1::1"), Dst: dst, Proto: analyze.ICMP, Probes: []*analyze.Probe{
				probe(1, 0, te("fd77:1::2", us(100), 64)),
				probe(1, us(1), te("fd77:1::3", us(100), 64)),
			}},
			ttl:  1,
			want: []string{"from 2 addresses at this hop limit (fd77:1::2, fd77:1::3)"},
		},
	}
	runExplainCases(t, tests)
}
