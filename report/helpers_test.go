package report_test

import (
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// t0 is when every test trace starts.
var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func us(n int) time.Duration { return time.Duration(n) * time.Microsecond }

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// probe is a probe sent at t0+sent with the given TTL, answered by r
// (nil: unanswered).
func probe(ttl int, sent time.Duration, r *analyze.Reply) *analyze.Probe {
	p := &analyze.Probe{TTL: ttl, Sent: t0.Add(sent), Reply: r}
	if r != nil {
		r.At = p.Sent.Add(r.RTT)
	}
	return p
}

// icmpType is the ICMP type v4 for a reply from an IPv4 address, v6 (the
// ICMPv6 type) for one from an IPv6 address.
func icmpType(from string, v4, v6 uint8) uint8 {
	if addr(from).Is6() {
		return v6
	}
	return v4
}

// te is an ICMP or ICMPv6 Time Exceeded from a router; ttl is the reply's
// TTL or hop limit.
func te(from string, rtt time.Duration, ttl uint8) *analyze.Reply {
	return &analyze.Reply{From: addr(from), RTT: rtt, Kind: analyze.TimeExceeded,
		Type: icmpType(from, layers.ICMPv4TypeTimeExceeded, layers.ICMPv6TypeTimeExceeded), TTL: ttl}
}

// echo is an ICMP or ICMPv6 Echo Reply from the destination.
func echo(from string, rtt time.Duration, ttl uint8) *analyze.Reply {
	return &analyze.Reply{From: addr(from), RTT: rtt, Kind: analyze.EchoReply,
		Type: icmpType(from, layers.ICMPv4TypeEchoReply, layers.ICMPv6TypeEchoReply), TTL: ttl, FromDest: true}
}

// unreach is an ICMP or ICMPv6 Destination Unreachable with the given code.
func unreach(from string, rtt time.Duration, ttl uint8, code uint8, kind analyze.Kind, fromDest bool) *analyze.Reply {
	return &analyze.Reply{From: addr(from), RTT: rtt, Kind: kind,
		Type: icmpType(from, layers.ICMPv4TypeDestinationUnreachable, layers.ICMPv6TypeDestinationUnreachable),
		Code: code, TTL: ttl, FromDest: fromDest}
}

// synack is a TCP SYN-ACK from the destination.
func synack(from string, rtt time.Duration, ttl uint8) *analyze.Reply {
	return &analyze.Reply{From: addr(from), RTT: rtt, Kind: analyze.TCPSynAck, TTL: ttl, FromDest: true}
}

type namedTrace struct {
	name string
	tr   *analyze.Trace
}

// testTraces are hand-built traces covering what the renderers must show.
func testTraces() []namedTrace {
	ms := time.Millisecond
	return []namedTrace{
		// A silent router at TTL 2, the destination at TTL 4.
		{"silent", &analyze.Trace{
			Src: addr("10.77.1.1"), Dst: addr("10.77.5.2"), Proto: analyze.ICMP,
			Probes: []*analyze.Probe{
				probe(1, 0, te("10.77.1.2", us(121), 64)),
				probe(1, 1*ms, te("10.77.1.2", us(10), 64)),
				probe(1, 2*ms, te("10.77.1.2", us(9), 64)),
				probe(2, 3*ms, nil),
				probe(2, 4*ms, nil),
				probe(2, 5*ms, nil),
				probe(3, 6*ms, te("10.77.3.2", us(43), 62)),
				probe(3, 7*ms, nil),
				probe(3, 8*ms, te("10.77.3.2", us(51), 62)),
				probe(4, 9*ms, echo("10.77.5.2", us(88), 61)),
				probe(4, 10*ms, echo("10.77.5.2", us(70), 61)),
				probe(4, 11*ms, echo("10.77.5.2", us(64), 61)),
			},
		}},
		// Two routers share TTL 2 behind a load balancer.
		{"loadbalance", &analyze.Trace{
			Src: addr("10.77.1.1"), Dst: addr("10.77.5.2"), Proto: analyze.ICMP,
			Probes: []*analyze.Probe{
				probe(1, 0, te("10.77.1.2", us(100), 64)),
				probe(1, 1*ms, te("10.77.1.2", us(110), 64)),
				probe(1, 2*ms, te("10.77.1.2", us(120), 64)),
				probe(2, 3*ms, te("10.0.0.1", us(100), 254)),
				probe(2, 4*ms, te("10.0.0.2", us(200), 126)),
				probe(2, 5*ms, te("10.0.0.2", us(300), 126)),
				probe(3, 6*ms, nil),
				probe(3, 7*ms, te("10.0.0.1", us(250), 254)),
				probe(3, 8*ms, te("10.0.0.2", us(260), 126)),
				probe(4, 9*ms, echo("10.77.5.2", us(400), 61)),
				probe(4, 10*ms, echo("10.77.5.2", us(1234567/1000)+567*time.Nanosecond, 61)),
				probe(4, 11*ms, echo("10.77.5.2", 1234500*time.Nanosecond, 61)),
			},
		}},
		// A router answers Host Unreachable at TTL 2; the probes already
		// sent with TTL 3 draw nothing.
		{"unreachable", &analyze.Trace{
			Src: addr("10.77.1.1"), Dst: addr("10.77.9.9"), Proto: analyze.ICMP,
			Probes: []*analyze.Probe{
				probe(1, 0, te("10.77.1.2", us(50), 64)),
				probe(1, 1*ms, te("10.77.1.2", us(40), 64)),
				probe(1, 2*ms, te("10.77.1.2", us(30), 64)),
				probe(2, 3*ms, unreach("10.77.3.2", us(43), 63, 1, analyze.HostUnreachable, false)),
				probe(2, 4*ms, unreach("10.77.3.2", us(21), 63, 1, analyze.HostUnreachable, false)),
				probe(2, 5*ms, nil),
				probe(3, 6*ms, nil),
				probe(3, 7*ms, nil),
				probe(3, 8*ms, nil),
			},
		}},
		// A UDP trace whose destination answers at TTL 2, and again to the
		// probes sent with TTL 3 and 4.
		{"pastdest", &analyze.Trace{
			Src: addr("10.77.1.1"), Dst: addr("10.77.5.2"), Proto: analyze.UDP,
			Probes: []*analyze.Probe{
				probe(1, 0, te("10.77.1.2", us(80), 64)),
				probe(2, 1*ms, unreach("10.77.5.2", us(150), 63, 3, analyze.PortUnreachable, true)),
				probe(3, 2*ms, unreach("10.77.5.2", us(140), 63, 3, analyze.PortUnreachable, true)),
				probe(4, 3*ms, unreach("10.77.5.2", us(130), 63, 3, analyze.PortUnreachable, true)),
				probe(1, 4*ms, te("10.77.1.2", us(70), 64)),
				probe(2, 5*ms, unreach("10.77.5.2", us(120), 63, 3, analyze.PortUnreachable, true)),
				probe(3, 6*ms, nil),
				probe(4, 7*ms, unreach("10.77.5.2", us(110), 63, 3, analyze.PortUnreachable, true)),
			},
		}},
		// A TCP SYN trace that never reaches its destination.
		{"tcp", &analyze.Trace{
			Src: addr("10.77.1.1"), Dst: addr("10.77.5.2"), Proto: analyze.TCP,
			Probes: []*analyze.Probe{
				probe(1, 0, te("10.77.1.2", us(90), 64)),
				probe(2, 1*ms, nil),
				probe(3, 2*ms, nil),
			},
		}},
		// The same TCP trace, reached with a SYN-ACK.
		{"tcpreached", &analyze.Trace{
			Src: addr("10.77.1.1"), Dst: addr("10.77.5.2"), Proto: analyze.TCP,
			Probes: []*analyze.Probe{
				probe(1, 0, te("10.77.1.2", us(90), 64)),
				probe(2, 1*ms, synack("10.77.5.2", us(180), 63)),
			},
		}},
	}
}

// names is a resolver that knows some of the test addresses.
func names(a netip.Addr) string {
	switch a {
	case addr("10.77.1.2"):
		return "gw.lab"
	case addr("10.77.5.2"):
		return "dst.lab"
	}
	return ""
}

// golden compares got with testdata/name.golden, or rewrites the file
// under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}
