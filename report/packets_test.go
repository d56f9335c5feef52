package report_test

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/report"
)

func TestPacketWriter(t *testing.T) {
	tr := &analyze.Trace{Src: netip.MustParseAddr("10.77.1.1"), Dst: netip.MustParseAddr("10.77.5.2"), Proto: analyze.UDP}
	p := &analyze.Probe{TTL: 1, Frame: 1, Reply: &analyze.Reply{RTT: 67 * time.Microsecond, Frame: 2}}
	ping := &analyze.Trace{Src: netip.MustParseAddr("10.77.1.1"), Dst: netip.MustParseAddr("10.77.5.2"), Proto: analyze.ICMP}
	ping64 := append([]byte(nil), echoRequest...)
	ping64[22] = 64 // the IPv4 TTL
	var b bytes.Buffer
	pw := report.NewPacketWriter(&b)
	for _, c := range []struct {
		fr report.Frame
		ev analyze.Event
	}{
		{frame(1, 0, udpProbe), analyze.Event{Kind: analyze.EventProbe, Frame: 1, Probe: p, Trace: tr}},
		{frame(2, 67*time.Microsecond, timeExceeded), analyze.Event{Kind: analyze.EventReply, Frame: 2, Probe: p, Trace: tr}},
		{frame(3, 70*time.Microsecond, udpProbe), analyze.Event{Kind: analyze.EventDuplicate, Frame: 3, Probe: p}},
		{frame(4, 80*time.Microsecond, udpProbe), analyze.Event{Kind: analyze.EventProbe, Frame: 4, Probe: &analyze.Probe{TTL: 1, Frame: 4}, Trace: tr}},
		{frame(5, time.Millisecond, timeExceeded), analyze.Event{Kind: analyze.EventUnmatched, Frame: 5}},
		{frame(6, 2*time.Second, echoRequest), analyze.Event{Kind: analyze.EventOther, Frame: 6}},
		{frame(7, 3*time.Second, arpRequest), analyze.Event{Kind: analyze.EventOther, Frame: 7}},
		{frame(8, 4*time.Second, timeExceeded[:30]), analyze.Event{Kind: analyze.EventMalformed, Frame: 8}},
		// The reply to frame 1 again (a second answer, or captured twice).
		{frame(9, 5*time.Second, timeExceeded), analyze.Event{Kind: analyze.EventUnmatched, Frame: 9, Probe: p}},
		// A ping: probes of one TTL, 64, are no traceroute so far.
		{frame(10, 6*time.Second, ping64), analyze.Event{Kind: analyze.EventProbe, Frame: 10, Probe: &analyze.Probe{TTL: 64, Frame: 10}, Trace: ping}},
		{frame(11, 7*time.Second, ping64), analyze.Event{Kind: analyze.EventProbe, Frame: 11, Probe: &analyze.Probe{TTL: 64, Frame: 11}, Trace: ping}},
		// TTL 40 in a trace that probed another TTL: a probe.
		{frame(12, 8*time.Second, ping64), analyze.Event{Kind: analyze.EventProbe, Frame: 12, Probe: &analyze.Probe{TTL: 40, Frame: 12}, Trace: tr}},
	} {
		if err := pw.Write(c.fr, c.ev); err != nil {
			t.Fatal(err)
		}
	}
	want := strings.Join([]string{
		"    1  0.000000000        10.77.1.1 → 10.77.5.2        UDP     1  49186 → 33434 Len=4  [probe ttl=1 attempt=1 (trace 10.77.1.1->10.77.5.2)]",
		"    2  0.000067000        10.77.1.2 → 10.77.1.1        ICMP   64  Time-to-live exceeded (Time to live exceeded in transit), quoted dst=10.77.5.2 ttl=1 UDP 49186 → 33434 Len=4  [answers frame 1 (ttl 1), rtt 0.067 ms]",
		"    3  0.000070000        10.77.1.1 → 10.77.5.2        UDP     1  49186 → 33434 Len=4  [duplicate of frame 1]",
		"    4  0.000080000        10.77.1.1 → 10.77.5.2        UDP     1  49186 → 33434 Len=4  [probe ttl=1 attempt=2 (trace 10.77.1.1->10.77.5.2)]",
		"    5  0.001000000        10.77.1.2 → 10.77.1.1        ICMP   64  Time-to-live exceeded (Time to live exceeded in transit), quoted dst=10.77.5.2 ttl=1 UDP 49186 → 33434 Len=4  [unmatched reply]",
		"    6  2.000000000        10.77.1.1 → 10.77.5.2        ICMP    3  Echo (ping) request id=0x1234, seq=769/259",
		"    7  3.000000000  02:00:00:00:00:01 → ff:ff:ff:ff:ff:ff  ARP     -  Who has 10.77.1.2? Tell 10.77.1.1",
		"    8  4.000000000        10.77.1.2 → ?                IPv4   64  proto=1  [malformed]",
		"    9  5.000000000        10.77.1.2 → 10.77.1.1        ICMP   64  Time-to-live exceeded (Time to live exceeded in transit), quoted dst=10.77.5.2 ttl=1 UDP 49186 → 33434 Len=4  [answers frame 1 (ttl 1) again, answered by frame 2]",
		"   10  6.000000000        10.77.1.1 → 10.77.5.2        ICMP   64  Echo (ping) request id=0x1234, seq=769/259  [not a traceroute so far: ttl=64 sent 1 time]",
		"   11  7.000000000        10.77.1.1 → 10.77.5.2        ICMP   64  Echo (ping) request id=0x1234, seq=769/259  [not a traceroute so far: ttl=64 sent 2 times]",
		"   12  8.000000000        10.77.1.1 → 10.77.5.2        ICMP   64  Echo (ping) request id=0x1234, seq=769/259  [probe ttl=40 attempt=1 (trace 10.77.1.1->10.77.5.2)]",
		"",
	}, "\n")
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("PacketWriter output (-want +got):\n%s", diff)
	}
}

// TestPacketWriterForget checks that Forget drops the attempt counts
// kept for a trace: the writer holds nothing of finished traces, and a
// probe seen after it (which an analyzer never hands over) counts anew.
func TestPacketWriterForget(t *testing.T) {
	tr := &analyze.Trace{Src: netip.MustParseAddr("10.77.1.1"), Dst: netip.MustParseAddr("10.77.5.2"), Proto: analyze.UDP}
	var b bytes.Buffer
	pw := report.NewPacketWriter(&b)
	probe := func(n int) {
		p := &analyze.Probe{TTL: 1, Frame: n}
		tr.Probes = append(tr.Probes, p)
		if err := pw.Write(frame(n, 0, udpProbe), analyze.Event{Kind: analyze.EventProbe, Frame: n, Probe: p, Trace: tr}); err != nil {
			t.Fatal(err)
		}
	}
	probe(1)
	probe(2)
	pw.Forget(tr)
	probe(3)
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		got = append(got, l[strings.Index(l, "[probe"):])
	}
	want := []string{
		"[probe ttl=1 attempt=1 (trace 10.77.1.1->10.77.5.2)]",
		"[probe ttl=1 attempt=2 (trace 10.77.1.1->10.77.5.2)]",
		"[probe ttl=1 attempt=1 (trace 10.77.1.1->10.77.5.2)]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}
}

// TestPacketWriterIPv6 checks the packet list of an IPv6 trace: addresses
// that widen their column, hop limits, ICMPv6 messages named as Wireshark
// names them, the quoted probe's hop limit.
func TestPacketWriterIPv6(t *testing.T) {
	tr := &analyze.Trace{Src: netip.MustParseAddr("fd77:1::1"), Dst: netip.MustParseAddr("fd77:5::2"), Proto: analyze.ICMP}
	p := &analyze.Probe{TTL: 1, Frame: 1, Reply: &analyze.Reply{RTT: 40 * time.Microsecond}}
	long := append([]byte(nil), echoRequest6...)
	copy(long[14+8:], netip.MustParseAddr("2001:db8:ffff:1234:5678:9abc:def0:1").AsSlice())
	long[14+7] = 255 // hop limit
	var b bytes.Buffer
	pw := report.NewPacketWriter(&b)
	for _, c := range []struct {
		fr report.Frame
		ev analyze.Event
	}{
		{frame(1, 0, echoRequest6), analyze.Event{Kind: analyze.EventProbe, Frame: 1, Probe: p, Trace: tr}},
		{frame(2, 40*time.Microsecond, timeExceeded6), analyze.Event{Kind: analyze.EventReply, Frame: 2, Probe: p, Trace: tr}},
		{frame(3, time.Millisecond, long), analyze.Event{Kind: analyze.EventOther, Frame: 3}},
		{frame(4, time.Second, timeExceeded6[:14+48]), analyze.Event{Kind: analyze.EventMalformed, Frame: 4}},
	} {
		if err := pw.Write(c.fr, c.ev); err != nil {
			t.Fatal(err)
		}
	}
	want := strings.Join([]string{
		"    1  0.000000000        fd77:1::1 → fd77:5::2        ICMPv6  1  Echo (ping) request id=0x1234, seq=1, hop limit=1  [probe ttl=1 attempt=1 (trace fd77:1::1->fd77:5::2)]",
		"    2  0.000040000        fd77:1::2 → fd77:1::1        ICMPv6 64  Time Exceeded (hop limit exceeded in transit), quoted dst=fd77:5::2 hlim=1 ICMPv6 Echo (ping) request id=0x1234, seq=1  [answers frame 1 (ttl 1), rtt 0.040 ms]",
		"    3  0.001000000  2001:db8:ffff:1234:5678:9abc:def0:1 → fd77:5::2        ICMPv6 255  Echo (ping) request id=0x1234, seq=1, hop limit=255",
		"    4  1.000000000        fd77:1::2 → fd77:1::1        ICMPv6 64  Time Exceeded (hop limit exceeded in transit)  [malformed]",
		"",
	}, "\n")
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("PacketWriter output (-want +got):\n%s", diff)
	}
}
