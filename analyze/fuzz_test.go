package analyze_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/tracers/tracers/analyze"
)

// fuzzLinks are the link types a fuzzed stream's packets come in, by
// their index in a record.
var fuzzLinks = []layers.LinkType{
	layers.LinkTypeEthernet, layers.LinkTypeRaw, layers.LinkTypeLinuxSLL2, layers.LinkTypeLinuxSLL,
	layers.LinkTypeNull, layers.LinkTypePPP, layers.LinkTypeIPv6,
}

// A fuzzed stream is a header of 3 bytes (Window and Gap in units of
// 10ms, MaxProbes), then records: link index, time since the previous
// packet in ms, length, and that many bytes of packet.
func encodeRecord(out []byte, link int, dt time.Duration, pkt []byte) []byte {
	if len(pkt) > 255 {
		pkt = pkt[:255]
	}
	ms := min(dt/time.Millisecond, 255)
	out = append(out, byte(link), byte(ms), byte(len(pkt)))
	return append(out, pkt...)
}

// seedStream is the first packets of a testdata capture as a fuzzed
// stream, or nil when its link type is not one of fuzzLinks.
func seedStream(tb testing.TB, file string, packets int) []byte {
	tb.Helper()
	f, err := os.Open(file)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		tb.Fatalf("%s: %v", file, err)
	}
	link := -1
	for i, lt := range fuzzLinks {
		if lt == r.LinkType() {
			link = i
		}
	}
	if link < 0 {
		return nil
	}
	out := []byte{100, 100, 0} // Window 1s, Gap 1s, MaxProbes default
	var last time.Time
	for range packets {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatalf("%s: %v", file, err)
		}
		var dt time.Duration
		if !last.IsZero() {
			dt = ci.Timestamp.Sub(last)
		}
		last = ci.Timestamp
		out = encodeRecord(out, link, dt, data)
	}
	return out
}

// FuzzAnalyzer drives the Analyzer with a stream of packets of both
// families, from the testdata captures and mutated, and checks its
// invariants after every packet: it does not panic; a reply is matched
// to at most one probe, and a probe's reply is set once, by the frame
// that matched it; the window holds exactly the probes captured within
// Window, so memory follows the probes in flight. Its seeds are the first
// packets of a few captures; a stream takes a millisecond or so, so run it
// with a short -fuzzminimizetime (say 3s), or minimizing a new input holds
// the fuzzer up for a minute.
func FuzzAnalyzer(f *testing.F) {
	for _, name := range []string{"traceroute-icmp.pcap", "traceroute6-udp.pcap", "scamper6-udp-paris.pcap", "dual46-traceroute-icmp.pcap"} {
		if s := seedStream(f, filepath.Join("..", "testdata", "captures", name), 24); s != nil {
			f.Add(s)
		}
	}
	f.Fuzz(fuzzBody)
}

func fuzzBody(t *testing.T, stream []byte) {
	{
		if len(stream) < 3 {
			return
		}
		// int first: stream[0]+1 in byte arithmetic wraps 255 to 0, a
		// window the analyzer takes as its default (a fuzzed input found
		// it: testdata/fuzz/FuzzAnalyzer/b560fcd1071acb98).
		window := time.Duration(int(stream[0])+1) * 10 * time.Millisecond
		gap := time.Duration(int(stream[1])+1) * 10 * time.Millisecond
		maxProbes := int(stream[2]) // 0: the default
		stream = stream[3:]

		var handed []*analyze.Trace
		a := analyze.New(analyze.Options{
			Window: window, Gap: gap, MaxProbes: maxProbes,
			OnTrace: func(tr *analyze.Trace) { handed = append(handed, tr) },
		})
		matchedBy := map[*analyze.Probe]int{} // a probe's reply frame, while it is not recycled
		var probeTimes []time.Time            // of every new probe, in capture order
		firstLive := 0                        // probeTimes[firstLive:] are within Window
		claimed := map[int]bool{}             // reply frames seen in handed-over traces
		now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
		checkTrace := func(tr *analyze.Trace) {
			for _, p := range tr.Probes {
				if p.Reply == nil {
					continue
				}
				if got, ok := matchedBy[p]; !ok || got != p.Reply.Frame {
					t.Fatalf("probe frame %d has reply frame %d, matched by frame %d (%v)", p.Frame, p.Reply.Frame, got, ok)
				}
				if claimed[p.Reply.Frame] {
					t.Fatalf("reply frame %d claimed by two probes", p.Reply.Frame)
				}
				claimed[p.Reply.Frame] = true
			}
		}
		for len(stream) >= 3 {
			link, dt, n := int(stream[0]), time.Duration(stream[1])*time.Millisecond, int(stream[2])
			stream = stream[3:]
			n = min(n, len(stream))
			data := stream[:n]
			stream = stream[n:]
			now = now.Add(dt)
			ev := a.Add(analyze.Packet{Time: now, Link: fuzzLinks[link%len(fuzzLinks)], Data: data})
			switch ev.Kind {
			case analyze.EventProbe:
				if ev.Probe.Reply != nil {
					t.Fatalf("frame %d: a new probe with a reply", ev.Frame)
				}
				probeTimes = append(probeTimes, now)
			case analyze.EventReply:
				p := ev.Probe
				if _, ok := matchedBy[p]; ok {
					t.Fatalf("frame %d: reply matched to probe frame %d, answered already by frame %d", ev.Frame, p.Frame, matchedBy[p])
				}
				if p.Reply == nil || p.Reply.Frame != ev.Frame || p.Reply.RTT < 0 || p.Frame >= ev.Frame {
					t.Fatalf("frame %d: matched probe frame %d with reply %+v", ev.Frame, p.Frame, p.Reply)
				}
				if p.Reply.From.Is6() != ev.Info.Src.Is6() {
					t.Fatalf("frame %d: reply from %v recorded as from %v", ev.Frame, ev.Info.Src, p.Reply.From)
				}
				matchedBy[p] = ev.Frame
			}
			if ev.Kind != analyze.EventOther && ev.Kind != analyze.EventMalformed {
				// The window holds the probes captured within Window, no
				// more, no fewer.
				limit := now.Add(-window)
				for firstLive < len(probeTimes) && probeTimes[firstLive].Before(limit) {
					firstLive++
				}
				live := len(probeTimes) - firstLive
				if got := a.WindowLen(); got != live {
					t.Fatalf("frame %d: window holds %d probes, %d were captured within %v", ev.Frame, got, live, window)
				}
			}
			for _, tr := range handed {
				checkTrace(tr)
				for _, p := range tr.Probes {
					delete(matchedBy, p)
				}
				a.Recycle(tr)
			}
			handed = handed[:0]
		}
		a.Close()
		for _, tr := range handed {
			checkTrace(tr)
		}
	}
}
