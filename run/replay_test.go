package run

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/capture"
	"github.com/tracers/tracers/craft"
	"github.com/tracers/tracers/replay"
	"github.com/tracers/tracers/report"
	"github.com/tracers/tracers/trace"
	"github.com/tracers/tracers/trace/tracetest"
)

// simRun runs `tracers run` over s in format, without names, and returns
// what it printed and every packet the network delivered, as a pcap.
func simRun(t *testing.T, s *tracetest.Network, format string, opt trace.Options) (string, []byte) {
	t.Helper()
	out, pcap, _ := simRunErr(t, s, format, opt)
	return out, pcap
}

// simRunErr is simRun that also returns what run wrote to stderr.
func simRunErr(t *testing.T, s *tracetest.Network, format string, opt trace.Options) (string, []byte, string) {
	t.Helper()
	var pcap bytes.Buffer
	pw := pcapgo.NewWriterNanos(&pcap)
	if err := pw.WriteFileHeader(capture.MaxPacket, layers.LinkTypeRaw); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	o := Options{Options: opt, Host: s.Dst.String(), Format: format, Numeric: true, Stderr: &stderr}
	o.Src, o.Dst, o.ID, o.Payload = s.Src, s.Dst, 0x4242, 32
	o.OnPacket = func(p analyze.Packet) {
		ci := gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(p.Data), Length: len(p.Data)}
		if err := pw.WritePacket(ci, p.Data); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if _, runErr, outErr := traceTo(context.Background(), s, o, nil, &out); runErr != nil || outErr != nil {
		t.Fatalf("run: %v", errors.Join(runErr, outErr))
	}
	return out.String(), pcap.Bytes(), stderr.String()
}

// replayed is the trace the analyzer finds in a capture, set up as a
// replay sets it up (default options).
func replayed(t *testing.T, pcap []byte) *analyze.Trace {
	t.Helper()
	r, err := capture.NewReader("sim.pcap", bytes.NewReader(pcap))
	if err != nil {
		t.Fatal(err)
	}
	an := analyze.New(analyze.Options{})
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		an.Add(p)
	}
	an.Close()
	trs := an.Traces()
	if len(trs) != 1 {
		t.Fatalf("replay finds %d traces, want 1", len(trs))
	}
	return trs[0]
}

var hopLine = regexp.MustCompile(`^ ?\d+  `)

// hopLines are the lines of out that start with a TTL.
func hopLines(out string) []string {
	var res []string
	for _, line := range strings.Split(out, "\n") {
		if hopLine.MatchString(line) {
			res = append(res, line)
		}
	}
	return res
}

// TestRunEqualsReplay: a run on the simulated network and a replay of the
// packets it captured print the same hops and the same RTTs, to the
// microsecond, in text and in JSON.
func TestRunEqualsReplay(t *testing.T) {
	// RTTs with nanoseconds in them, so that rounding is put to the test.
	odd := func(s *tracetest.Network) {
		for i, r := range s.Routers {
			r.Delay = time.Duration(i+1)*time.Millisecond + 123456*time.Nanosecond + time.Duration(i)*500
		}
		s.DstDelay = 7*time.Millisecond + 987654*time.Nanosecond
	}
	tests := []struct {
		name  string
		net   func() *tracetest.Network
		setup func(*tracetest.Network)
		opt   trace.Options
		hops  int
		v6    bool
		warn  string // what run says on stderr
	}{
		{name: "all answer", net: func() *tracetest.Network { return tracetest.New(4) }, hops: 5},
		{name: "silent and lossy", net: func() *tracetest.Network { return tracetest.New(4) }, hops: 5,
			setup: func(s *tracetest.Network) {
				s.Routers[1].Silent = true
				s.Routers[2].Drop = func(n int) bool { return n == 2 }
			}},
		{name: "slow hop", net: func() *tracetest.Network { return tracetest.New(4) }, hops: 5,
			setup: func(s *tracetest.Network) { s.Routers[1].Delay = 30*time.Millisecond + 1499*time.Nanosecond }},
		{name: "host unreachable", net: func() *tracetest.Network { return tracetest.New(4) }, hops: 4,
			setup: func(s *tracetest.Network) { s.Routers[2].Unreach = true }},
		{name: "never answers", net: func() *tracetest.Network { return tracetest.New(2) }, hops: 6,
			setup: func(s *tracetest.Network) { s.DstSilent = true }, opt: trace.Options{MaxHops: 6}},
		{name: "capture misses a probe", net: func() *tracetest.Network { return tracetest.New(4) }, hops: 5,
			setup: func(s *tracetest.Network) { s.MissProbe = func(n int) bool { return n == 5 } },
			warn:  "tracers: warning: the capture missed 1 of the 27 probes sent; they are left out of the trace, as a replay of the capture would leave them out\n"},
		{name: "ipv6", net: func() *tracetest.Network { return tracetest.New6(4) }, hops: 5, v6: true,
			setup: func(s *tracetest.Network) { s.Routers[1].Silent = true }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mk := func() *tracetest.Network {
				s := tc.net()
				odd(s)
				if tc.setup != nil {
					tc.setup(s)
				}
				return s
			}
			text, pcap, warn := simRunErr(t, mk(), "text", tc.opt)
			if warn != tc.warn {
				t.Errorf("run said on stderr %q, want %q", warn, tc.warn)
			}
			lines := hopLines(text)
			if len(lines) != tc.hops || strings.Count(text, "\n") != tc.hops+1 {
				t.Fatalf("run printed %d hop lines, want %d after the header:\n%s", len(lines), tc.hops, text)
			}
			if !strings.Contains(text, " ms") {
				t.Fatalf("run printed no RTT:\n%s", text)
			}
			tr := replayed(t, pcap)
			var want bytes.Buffer
			if err := report.Hops(&want, tr, report.Options{StopAtEnd: true}); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(lines, "\n") + "\n"; got != want.String() {
				t.Errorf("run:\n%s\nreplay of its packets:\n%s", got, want.String())
			}

			// `tracers replay` itself: the same hop lines, then those of
			// probes the window let out past the destination.
			file := filepath.Join(t.TempDir(), "sim.pcap")
			if err := os.WriteFile(file, pcap, 0o644); err != nil {
				t.Fatal(err)
			}
			var rp bytes.Buffer
			if err := replay.Run(context.Background(), replay.Options{File: file, Format: "text"}, &rp); err != nil {
				t.Fatal(err)
			}
			if re := hopLines(rp.String()); len(re) < len(lines) || strings.Join(re[:len(lines)], "\n") != strings.Join(lines, "\n") {
				t.Errorf("tracers replay differs from run:\nrun:\n%s\nreplay:\n%s", text, rp.String())
			} else {
				// Any more are probes sent past where the trace ended.
				end := tr.EndTTL()
				for _, l := range re[len(lines):] {
					if ttl, _ := strconv.Atoi(strings.Fields(l)[0]); end == 0 || ttl <= end {
						t.Errorf("replay shows a hop run did not: %q", l)
					}
				}
			}

			// JSON: the same network again gives the same packets.
			js, pcap2 := simRun(t, mk(), "json", tc.opt)
			if !bytes.Equal(pcap, pcap2) {
				t.Fatal("the simulated network is not deterministic")
			}
			var wantJS bytes.Buffer
			if err := report.JSON(&wantJS, []*analyze.Trace{tr}, report.Options{StopAtEnd: true}); err != nil {
				t.Fatal(err)
			}
			if js != wantJS.String() {
				t.Errorf("run --format json:\n%s\nreplay of its packets:\n%s", js, wantJS.String())
			}
			if !strings.Contains(js, `"rtt_ms"`) {
				t.Errorf("JSON has no RTT:\n%s", js)
			}
		})
	}
}

// TestHeaderSize: the header gives IP header + echo header + payload.
func TestHeaderSize(t *testing.T) {
	tests := []struct {
		name    string
		net     *tracetest.Network
		payload int
		want    string
	}{
		{"ipv4", tracetest.New(1), 32, "tracers to 10.77.2.2 (10.77.2.2), 30 hops max, 60 byte packets\n"},
		{"ipv6", tracetest.New6(1), 32, "tracers to fd77:2::2 (fd77:2::2), 30 hops max, 80 byte packets\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			report.Header(&b, tc.net.Dst, "", 30, craft.Len(tc.net.Dst, tc.payload))
			if b.String() != tc.want {
				t.Errorf("header %q, want %q", b.String(), tc.want)
			}
		})
	}
}

// TestRunNothingOnTheWire: when not one probe reaches the wire (the
// kernel held them back for a next hop that never answered ARP), run
// says so and names the next hop, rather than blaming the capture.
func TestRunNothingOnTheWire(t *testing.T) {
	s := tracetest.New(2)
	for _, r := range s.Routers {
		r.Silent = true
	}
	s.DstSilent = true
	s.MissProbe = func(int) bool { return true }
	_, _, warn := simRunErr(t, s, "text", trace.Options{MaxHops: 6, Wait: time.Second})
	if !strings.Contains(warn, "none of the 18 probes sent reached the wire") || !strings.Contains(warn, "is the gateway up?") ||
		strings.Contains(warn, "capture missed") {
		t.Errorf("run said on stderr %q, want none of its probes on the wire, the gateway named", warn)
	}
}
