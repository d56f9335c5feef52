package trace

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/report"
	"github.com/tracers/tracers/trace/tracetest"
)

// runSim traces across s and returns the hop lines, the result and the
// virtual time it took.
func runSim(t *testing.T, ctx context.Context, s *tracetest.Network, o Options) (string, *Result, time.Duration, error) {
	t.Helper()
	var out bytes.Buffer
	o.Src, o.Dst, o.ID = s.Src, s.Dst, 0x4242
	var lastTTL int
	o.OnHop = func(h analyze.Hop) {
		if h.TTL <= lastTTL {
			t.Errorf("hop %d handed over after hop %d", h.TTL, lastTTL)
		}
		lastTTL = h.TTL
		report.Hop(&out, h, report.Options{})
	}
	start := s.Now()
	res, err := Run(ctx, s, o)
	return out.String(), res, s.Now().Sub(start), err
}

// shape replaces RTTs with "R" so that lines compare on hops and marks.
func shape(out string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		f := strings.Fields(line)
		for i := 0; i < len(f); i++ {
			if i+1 < len(f) && f[i+1] == "ms" {
				f[i] = "R"
				f = append(f[:i+1], f[i+2:]...)
			}
		}
		b.WriteString(strings.Join(f, " ") + "\n")
	}
	return b.String()
}

// tracerouteProbes is what Linux traceroute -I (-N 16, -q q) sends on a
// path whose destination is d hops away and answers, as captured on the
// delay lab (16, 19, 22, 25, 31 and 40 probes for d = 1, 2, 3, 4, 6, 9): q
// per TTL up to the destination and 16-q past it.
func tracerouteProbes(d, q int) int { return 16 + q*(d-1) }

func TestEngine(t *testing.T) {
	tests := []struct {
		name    string
		routers int
		setup   func(*tracetest.Network)
		opt     Options
		want    string
		reached bool
		// took is the virtual time the trace may take: from took[0] to
		// took[1].
		took [2]time.Duration
		// maxSent bounds the probes: traceroute -I's count on the same
		// path, or the first burst (9 TTLs, 27 probes) on a path shorter
		// than 5 hops.
		maxSent int
	}{
		{
			name: "all answer", routers: 4,
			want:    "1 10.77.1.2 R R R\n2 10.77.2.2 R R R\n3 10.77.3.2 R R R\n4 10.77.4.2 R R R\n5 10.77.5.2 R R R\n",
			reached: true, maxSent: tracerouteProbes(5, 3),
			// one round trip to the destination (500µs): every TTL left at once
			took: [2]time.Duration{500 * time.Microsecond, 500 * time.Microsecond},
		},
		{
			name: "silent router", routers: 4,
			setup: func(s *tracetest.Network) { s.Routers[1].Silent = true },
			want:  "1 10.77.1.2 R R R\n2 * * *\n3 10.77.3.2 R R R\n4 10.77.4.2 R R R\n5 10.77.5.2 R R R\n",
			// neighbours answer in 100-300µs, the destination in 500µs:
			// the silent hop costs MinWait (10ms), not -w, nor the 1s
			// tail wait
			reached: true, maxSent: tracerouteProbes(5, 3), took: [2]time.Duration{10 * time.Millisecond, 11 * time.Millisecond},
		},
		{
			// 5 x the neighbours' 3ms is less than 4 x the farthest
			// reply (13ms, seen before 15ms): the floor, silentMin, holds
			name: "silent router, slow destination", routers: 4,
			setup: func(s *tracetest.Network) {
				s.Routers[0].Delay, s.Routers[2].Delay, s.Routers[3].Delay = time.Millisecond, 3*time.Millisecond, 3500*time.Microsecond
				s.Routers[1].Silent, s.DstDelay = true, 13*time.Millisecond
			},
			want:    "1 10.77.1.2 R R R\n2 * * *\n3 10.77.3.2 R R R\n4 10.77.4.2 R R R\n5 10.77.5.2 R R R\n",
			reached: true, maxSent: tracerouteProbes(5, 3), took: [2]time.Duration{silentMin, silentMin + time.Millisecond},
		},
		{
			name: "lossy router", routers: 4,
			setup: func(s *tracetest.Network) { s.Routers[2].Drop = func(n int) bool { return n == 2 } },
			want:  "1 10.77.1.2 R R R\n2 10.77.2.2 R R R\n3 10.77.3.2 R * R\n4 10.77.4.2 R R R\n5 10.77.5.2 R R R\n",
			// the lost probe gets 1.5 x its hop's 300µs, raised to MinWait
			reached: true, maxSent: tracerouteProbes(5, 3), took: [2]time.Duration{10 * time.Millisecond, 11 * time.Millisecond},
		},
		{
			name: "lossy router on a slow path", routers: 4,
			setup: func(s *tracetest.Network) {
				for i, r := range s.Routers {
					r.Delay = time.Duration(i+1) * 20 * time.Millisecond
				}
				s.DstDelay = 100 * time.Millisecond
				s.Routers[3].Drop = func(n int) bool { return n == 2 }
			},
			want: "1 10.77.1.2 R R R\n2 10.77.2.2 R R R\n3 10.77.3.2 R R R\n4 10.77.4.2 R * R\n5 10.77.5.2 R R R\n",
			// judged by its own hop's 80ms (1.5 x 80ms = 120ms), not by
			// the slowest reply of the path (100ms; 10 x 100ms before)
			reached: true, maxSent: tracerouteProbes(5, 3), took: [2]time.Duration{120 * time.Millisecond, 121 * time.Millisecond},
		},
		{
			name: "silent router on a slow path", routers: 4,
			setup: func(s *tracetest.Network) {
				for i, r := range s.Routers {
					r.Delay = time.Duration(i+1) * 20 * time.Millisecond
				}
				s.DstDelay = 200 * time.Millisecond
				s.Routers[1].Silent = true
			},
			want: "1 10.77.1.2 R R R\n2 * * *\n3 10.77.3.2 R R R\n4 10.77.4.2 R R R\n5 10.77.5.2 R R R\n",
			// judged by its neighbours, 20ms and 60ms: 5 x 60ms = 300ms,
			// not by the slowest reply (10 x 200ms before)
			reached: true, maxSent: tracerouteProbes(5, 3), took: [2]time.Duration{300 * time.Millisecond, 301 * time.Millisecond},
		},
		{
			// A router whose ICMP comes 3 times after the destination's
			// answer: while nothing answers there its hop waits 4 times
			// the destination's RTT, more than its neighbours show.
			name: "slow hop", routers: 4,
			setup: func(s *tracetest.Network) {
				s.Routers[1].Delay = 30 * time.Millisecond
				s.DstDelay = 10 * time.Millisecond
			},
			want:    "1 10.77.1.2 R R R\n2 10.77.2.2 R R R\n3 10.77.3.2 R R R\n4 10.77.4.2 R R R\n5 10.77.5.2 R R R\n",
			reached: true, maxSent: tracerouteProbes(5, 3), took: [2]time.Duration{30 * time.Millisecond, 30 * time.Millisecond},
		},
		{
			name: "slow link", routers: 4,
			setup: func(s *tracetest.Network) {
				for i, r := range s.Routers[1:] {
					r.Delay = time.Duration(40+i) * time.Millisecond
				}
				s.DstDelay = 45 * time.Millisecond
			},
			want:    "1 10.77.1.2 R R R\n2 10.77.2.2 R R R\n3 10.77.3.2 R R R\n4 10.77.4.2 R R R\n5 10.77.5.2 R R R\n",
			reached: true, maxSent: tracerouteProbes(5, 3), took: [2]time.Duration{45 * time.Millisecond, 45 * time.Millisecond},
		},
		{
			name: "host unreachable", routers: 4,
			setup:   func(s *tracetest.Network) { s.Routers[2].Unreach = true },
			want:    "1 10.77.1.2 R R R\n2 10.77.2.2 R R R\n3 10.77.3.2 R R R\n4 10.77.3.2 R !H R !H R !H\n",
			maxSent: 27, took: [2]time.Duration{300 * time.Microsecond, 300 * time.Microsecond},
		},
		{
			name: "destination never answers", routers: 2,
			setup: func(s *tracetest.Network) { s.DstSilent = true },
			opt:   Options{MaxHops: 6},
			want:  "1 10.77.1.2 R R R\n2 10.77.2.2 R R R\n3 * * *\n4 * * *\n5 * * *\n6 * * *\n",
			// beyond the last answering hop a probe gets TailWait, not -w
			maxSent: 18, took: [2]time.Duration{DefaultTailWait, DefaultTailWait + time.Millisecond},
		},
		{
			name: "nothing answers", routers: 3,
			setup: func(s *tracetest.Network) {
				s.DstSilent = true
				for _, r := range s.Routers {
					r.Silent = true
				}
			},
			opt:  Options{MaxHops: 3, Queries: 2, Wait: time.Second},
			want: "1 * *\n2 * *\n3 * *\n",
			// nothing to adapt to: each probe gets the full -w once
			maxSent: 6, took: [2]time.Duration{time.Second, time.Second},
		},
		{
			name: "first hop and one query", routers: 4,
			opt:     Options{FirstHop: 3, Queries: 1},
			want:    "3 10.77.3.2 R\n4 10.77.4.2 R\n5 10.77.5.2 R\n",
			reached: true, maxSent: 16 + 2, took: [2]time.Duration{500 * time.Microsecond, 500 * time.Microsecond},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tracetest.New(tc.routers)
			if tc.setup != nil {
				tc.setup(s)
			}
			out, res, took, err := runSim(t, context.Background(), s, tc.opt)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := shape(out); got != tc.want {
				t.Errorf("hops:\n%s\nwant:\n%s\nraw:\n%s", got, tc.want, out)
			}
			if res.Trace.Reached() != tc.reached {
				t.Errorf("Reached = %v, want %v", res.Trace.Reached(), tc.reached)
			}
			if took < tc.took[0] || took > tc.took[1] {
				t.Errorf("took %s of virtual time, want %s to %s", took, tc.took[0], tc.took[1])
			}
			// Probes sent past the end, whose capture the engine never
			// reads, are not missed.
			if res.Missed != 0 {
				t.Errorf("Missed = %d, want 0: the network captures every probe", res.Missed)
			}
			if res.Sent > tc.maxSent || res.Sent != len(s.Sends) {
				t.Errorf("sent %d (network saw %d), want at most %d", res.Sent, len(s.Sends), tc.maxSent)
			}
			// Each router sees only its own probes, Queries of them.
			perTTL := map[int]int{}
			for _, p := range res.Trace.Probes {
				perTTL[p.TTL]++
			}
			q := max(tc.opt.Queries, 1)
			if tc.opt.Queries == 0 {
				q = DefaultQueries
			}
			for ttl, n := range perTTL {
				if n != q {
					t.Errorf("TTL %d drew %d probes, want %d", ttl, n, q)
				}
			}
		})
	}
}

func TestEngineRTTFromCapture(t *testing.T) {
	s := tracetest.New(2)
	_, res, _, err := runSim(t, context.Background(), s, Options{Queries: 1})
	if err != nil {
		t.Fatal(err)
	}
	// The trace also holds the probes the window let out past the
	// destination before it answered, as a replay would.
	n := 0
	for _, p := range res.Trace.Probes {
		if p.TTL > 3 {
			continue
		}
		n++
		if p.Reply == nil {
			t.Fatalf("probe ttl %d unanswered", p.TTL)
		}
		if p.Sent != s.Sends[p.TTL-1] {
			t.Errorf("ttl %d sent at %s, want its capture time %s", p.TTL, p.Sent, s.Sends[p.TTL-1])
		}
		want := s.Routers[0].Delay
		if p.TTL == 2 {
			want = s.Routers[1].Delay
		} else if p.TTL == 3 {
			want = s.DstDelay
		}
		if p.Reply.RTT != want {
			t.Errorf("ttl %d RTT = %s, want %s (reply time - probe capture time)", p.TTL, p.Reply.RTT, want)
		}
	}
	if n != 3 {
		t.Errorf("trace holds %d probes at TTL 1..3, want 3", n)
	}
}

func TestEngineRate(t *testing.T) {
	s := tracetest.New(30)
	o := Options{Rate: 100, InFlight: 4, MaxHops: 30, Queries: 1}
	_, res, _, err := runSim(t, context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent < 30 {
		t.Fatalf("sent %d, want 30", res.Sent)
	}
	// Token bucket: at most InFlight at once, then one per 1/Rate.
	for i := range s.Sends {
		j := i + o.InFlight + 10
		if j >= len(s.Sends) {
			break
		}
		if gap := s.Sends[j].Sub(s.Sends[i]); gap < 100*time.Millisecond-time.Microsecond {
			t.Errorf("probes %d..%d sent within %s: faster than 100/s", i, j, gap)
		}
	}
}

// TestEngineRateSlow: at a rate below the first burst's size per 10 ms
// the token bucket holds one probe, so no two leave closer than 1/Rate,
// the first burst's included.
func TestEngineRateSlow(t *testing.T) {
	s := tracetest.New(3)
	o := Options{Rate: 20, MaxHops: 6, Queries: 2}
	_, res, _, err := runSim(t, context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent < 8 {
		t.Fatalf("sent %d, want at least 8", res.Sent)
	}
	for i := 1; i < len(s.Sends); i++ {
		if gap := s.Sends[i].Sub(s.Sends[i-1]); gap < 50*time.Millisecond-time.Microsecond {
			t.Errorf("probes %d and %d sent %s apart: faster than 20/s", i-1, i, gap)
		}
	}
}

// TestEngineDrain: once the destination has answered, the probes the first
// burst sent past it are taken from the capture before the run ends, so
// that the trace (and run's --write file, through OnPacket) holds every
// probe sent, as a replay of the capture shows them.
func TestEngineDrain(t *testing.T) {
	// Replies at once, as on a µs lab: each comes before the next probe
	// leaves, so the destination's come before the probes past it.
	s := tracetest.New(3)
	for _, r := range s.Routers {
		r.Delay = 0
	}
	s.DstDelay = 0
	seen := 0
	o := Options{OnPacket: func(analyze.Packet) { seen++ }}
	_, res, _, err := runSim(t, context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Trace.DestTTL() != 4 {
		t.Fatalf("destination at TTL %d, want 4", res.Trace.DestTTL())
	}
	if len(res.Trace.Probes) != res.Sent || res.Sent != 3*firstTTLs {
		t.Errorf("trace holds %d probes of the %d sent, want all %d of the first burst", len(res.Trace.Probes), res.Sent, 3*firstTTLs)
	}
	if seen < res.Sent+12 {
		t.Errorf("OnPacket saw %d packets, want at least the %d probes and the 12 replies up to the destination", seen, res.Sent)
	}
}

// TestEngineInFlight checks the -N bound on a path where nothing answers:
// every probe waits its whole time, and no more than InFlight of them are
// ever outstanding at once.
func TestEngineInFlight(t *testing.T) {
	for _, n := range []int{1, 3, 16} {
		s := tracetest.New(4)
		s.DstSilent = true
		for _, r := range s.Routers {
			r.Silent = true
		}
		o := Options{MaxHops: 8, Queries: 2, InFlight: n, Wait: time.Second, TailWait: time.Second, GapLimit: -1}
		_, res, _, err := runSim(t, context.Background(), s, o)
		if err != nil {
			t.Fatal(err)
		}
		if res.Sent != 16 {
			t.Fatalf("-N %d: sent %d probes, want 16", n, res.Sent)
		}
		// Nothing is answered, so probe i+n can leave only once probe i
		// has waited its second.
		for i := 0; i+n < len(s.Sends); i++ {
			if gap := s.Sends[i+n].Sub(s.Sends[i]); gap < time.Second {
				t.Errorf("-N %d: probes %d and %d sent %s apart: more than %d in flight", n, i, i+n, gap, n)
			}
		}
		if n < 16 && s.Sends[n-1].Sub(s.Sends[0]) >= time.Second {
			t.Errorf("-N %d: the first %d probes did not leave together", n, n)
		}
	}
}

func TestEngineCancel(t *testing.T) {
	s := tracetest.New(3)
	s.DstSilent = true
	for _, r := range s.Routers[1:] {
		r.Silent = true
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	o := Options{MaxHops: 5, OnPacket: func(p analyze.Packet) {
		// cancel at the third Time Exceeded (ICMP type at byte 20)
		if p.Data[20] == 11 {
			if n++; n == 3 {
				cancel()
			}
		}
	}}
	out, res, _, err := runSim(t, ctx, s, o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if res == nil || !strings.HasPrefix(out, " 1  10.77.1.2") {
		t.Fatalf("partial result lost on cancel: out %q", out)
	}
	if res.Missed != 0 {
		t.Errorf("Missed = %d, want 0: the network captured every probe", res.Missed)
	}
}

func TestOptionsCheck(t *testing.T) {
	bad := []Options{{FirstHop: 300}, {MaxHops: 256}, {FirstHop: 9, MaxHops: 3}, {Queries: 11}, {Rate: -1}, {Payload: 2000}, {Wait: 2 * time.Minute}, {InFlight: 256}, {InFlight: -1}, {Window: 256}, {Window: -1}}
	for _, o := range bad {
		if err := o.Check(); err == nil {
			t.Errorf("Check(%+v) = nil, want an error", o)
		}
	}
	good := Options{FirstHop: 1, MaxHops: 30, Queries: 3, Rate: 100, Wait: time.Second}
	if err := good.Check(); err != nil {
		t.Errorf("Check(%+v) = %v", good, err)
	}
}

// A slow consumer of hops (a name lookup, a blocked terminal) must not turn
// replies that were already captured into '*'.
func TestEngineSlowConsumer(t *testing.T) {
	s := tracetest.New(4)
	var out strings.Builder
	o := Options{Src: s.Src, Dst: s.Dst, ID: 0x4242, OnHop: func(h analyze.Hop) {
		s.Advance(2 * time.Second) // the engine is held up for 2s
		report.Hop(&out, h, report.Options{})
	}}
	res, err := Run(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	want := "1 10.77.1.2 R R R\n2 10.77.2.2 R R R\n3 10.77.3.2 R R R\n4 10.77.4.2 R R R\n5 10.77.5.2 R R R\n"
	if got := shape(out.String()); got != want {
		t.Errorf("hops:\n%s\nwant:\n%s", got, want)
	}
	if !res.Trace.Reached() {
		t.Error("destination not reached")
	}
}

// TestEngineGapLimit: the trace ends after GapLimit silent TTLs past the
// last answer, and says so; silent TTLs followed by an answer are no gap.
func TestEngineGapLimit(t *testing.T) {
	silent := func(rs ...int) func(*tracetest.Network) {
		return func(s *tracetest.Network) {
			for _, r := range rs {
				s.Routers[r-1].Silent = true
			}
		}
	}
	dstSilent := func(s *tracetest.Network) { s.DstSilent = true }
	tests := []struct {
		name      string
		routers   int
		setup     func(*tracetest.Network)
		opt       Options
		want      string
		reached   bool
		gapSilent int
		gapAfter  int
		sent      int
		took      time.Duration
	}{
		{
			name: "destination never answers", routers: 2, setup: dstSilent,
			want: "1 10.77.1.2 R R R\n2 10.77.2.2 R R R\n3 * * *\n4 * * *\n5 * * *\n6 * * *\n7 * * *\n8 * * *\n" +
				"9 * * *\n",
			// the first burst (TTLs 1-9) left before anything answered;
			// traceroute -I sends 90 here, to -m 30
			gapSilent: 5, gapAfter: 2, sent: 27, took: DefaultTailWait,
		},
		{
			name: "gap of 2", routers: 2, setup: dstSilent, opt: Options{GapLimit: 2},
			// TTLs 5-9 left in the first burst: shown, as in a replay
			want: "1 10.77.1.2 R R R\n2 10.77.2.2 R R R\n3 * * *\n4 * * *\n5 * * *\n6 * * *\n7 * * *\n8 * * *\n" +
				"9 * * *\n",
			gapSilent: 2, gapAfter: 2, sent: 27, took: DefaultTailWait,
		},
		{
			// no limit: every TTL up to -m, the horizon moving on as
			// silent TTLs are given up
			name: "no limit", routers: 2, setup: dstSilent, opt: Options{GapLimit: -1, MaxHops: 12},
			want: "1 10.77.1.2 R R R\n2 10.77.2.2 R R R\n3 * * *\n4 * * *\n5 * * *\n6 * * *\n7 * * *\n8 * * *\n" +
				"9 * * *\n10 * * *\n11 * * *\n12 * * *\n",
			sent: 36, took: 2 * DefaultTailWait,
		},
		{
			name: "nothing answers", routers: 8, setup: func(s *tracetest.Network) { silent(1, 2, 3, 4, 5, 6, 7, 8)(s); s.DstSilent = true },
			opt: Options{Wait: time.Second},
			// the first burst went to TTL 9: shown, as a replay shows it
			want:      "1 * * *\n2 * * *\n3 * * *\n4 * * *\n5 * * *\n6 * * *\n7 * * *\n8 * * *\n9 * * *\n",
			gapSilent: 5, gapAfter: 0, sent: 27, took: time.Second,
		},
		{
			// sent at once, hops 6..9 answer before hops 3..5 are given
			// up: a silent stretch with an answer after it is no gap
			name: "silent stretch as long as the gap", routers: 8, setup: silent(3, 4, 5), opt: Options{GapLimit: 3},
			want: "1 10.77.1.2 R R R\n2 10.77.2.2 R R R\n3 * * *\n4 * * *\n5 * * *\n6 10.77.6.2 R R R\n" +
				"7 10.77.7.2 R R R\n8 10.77.8.2 R R R\n9 10.77.9.2 R R R\n",
			// TTL 10 and one of 11 left as hops 6-8 answered, before the
			// destination did, while fewer than 16 probes were awaited
			// (traceroute -I: 40 probes)
			reached: true, sent: 31, took: 10 * time.Millisecond,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tracetest.New(tc.routers)
			tc.setup(s)
			out, res, took, err := runSim(t, context.Background(), s, tc.opt)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := shape(out); got != tc.want {
				t.Errorf("hops:\n%s\nwant:\n%s", got, tc.want)
			}
			if res.Trace.Reached() != tc.reached || res.GapSilent != tc.gapSilent || res.GapAfter != tc.gapAfter {
				t.Errorf("Reached %v, GapSilent %d, GapAfter %d; want %v, %d, %d", res.Trace.Reached(), res.GapSilent, res.GapAfter, tc.reached, tc.gapSilent, tc.gapAfter)
			}
			if res.Sent != tc.sent || took < tc.took || took > tc.took+time.Millisecond {
				t.Errorf("sent %d in %s, want %d in %s", res.Sent, took, tc.sent, tc.took)
			}
		})
	}
}

// TestEngineLateReply: a reply that comes after its probe was given up
// still fills its hop while the trace runs, and the hops handed over
// (text) are the trace's final ones (JSON, replay): a hop with a probe
// given up is handed over only once the trace is over.
func TestEngineLateReply(t *testing.T) {
	s := tracetest.New(4)
	s.Routers[3].Silent = true // keeps the trace going for silentMin (50ms)
	s.DstDelay = 20 * time.Millisecond
	s.Routers[1].Late = func(n int) time.Duration {
		if n == 2 {
			return 20 * time.Millisecond // given up at MinWait (10ms)
		}
		return 0
	}
	var handed []int
	var text bytes.Buffer
	o := Options{Src: s.Src, Dst: s.Dst, ID: 0x4242, OnHop: func(h analyze.Hop) {
		handed = append(handed, h.TTL)
		report.Hop(&text, cloneHopForTest(h), report.Options{})
	}}
	res, err := Run(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	want := "1 10.77.1.2 R R R\n2 10.77.2.2 R R R\n3 10.77.3.2 R R R\n4 * * *\n5 10.77.5.2 R R R\n"
	if got := shape(text.String()); got != want {
		t.Errorf("hops handed over:\n%s\nwant:\n%s", got, want)
	}
	var final bytes.Buffer
	for _, h := range res.Trace.Hops() {
		if h.TTL <= 5 {
			report.Hop(&final, h, report.Options{})
		}
	}
	if text.String() != final.String() {
		t.Errorf("hops handed over:\n%s\ndiffer from the final trace:\n%s", text.String(), final.String())
	}
	if p := res.Trace.Hops()[1].Probes[1]; p.Reply == nil || p.Reply.RTT != 20200*time.Microsecond {
		t.Errorf("late probe's reply %+v, want one after 20.2ms", p.Reply)
	}
}

// cloneHopForTest copies what a printer reads, as run does, so that a
// reply matched after the hand-over would show as a difference.
func cloneHopForTest(h analyze.Hop) analyze.Hop {
	c := analyze.Hop{TTL: h.TTL, PastDest: h.PastDest}
	for _, p := range h.Probes {
		q := *p
		if p.Reply != nil {
			r := *p.Reply
			q.Reply = &r
		}
		c.Probes = append(c.Probes, &q)
	}
	return c
}

// TestEngineShape: on paths of 1 to 26 hops whose RTT grows by 4ms a hop
// (the delay lab's 2ms links), the trace takes one round trip to the
// destination when it lies within the first burst, and no more probes
// than traceroute -I, but for the first burst on paths shorter than 5.
func TestEngineShape(t *testing.T) {
	const perHop = 4 * time.Millisecond
	for _, routers := range []int{0, 1, 3, 4, 5, 8, 12, 15, 25} {
		d := routers + 1
		t.Run(fmt.Sprintf("%d hops", d), func(t *testing.T) {
			s := tracetest.New(routers)
			for i, r := range s.Routers {
				r.Delay = time.Duration(i+1) * perHop
			}
			s.DstDelay = time.Duration(d) * perHop
			_, res, took, err := runSim(t, context.Background(), s, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Trace.Reached() || res.Trace.DestTTL() != d {
				t.Fatalf("destination at TTL %d, want %d", res.Trace.DestTTL(), d)
			}
			// Within the burst: one round trip. Beyond it the horizon runs
			// 4 TTLs past the last answer, so TTL t leaves when TTL t-5
			// answers, as traceroute -I's probes do.
			var sent [32]time.Duration
			for ttl := firstTTLs + 1; ttl <= d; ttl++ {
				sent[ttl] = sent[ttl-5] + time.Duration(ttl-5)*perHop
			}
			want := sent[d] + s.DstDelay
			if took != want {
				t.Errorf("took %s, want %s", took, want)
			}
			if limit := max(3*firstTTLs, tracerouteProbes(d, 3)); res.Sent > limit {
				t.Errorf("sent %d probes, want at most %d (traceroute -I: %d)", res.Sent, limit, tracerouteProbes(d, 3))
			}
			perTTL := map[int]int{}
			for _, p := range res.Trace.Probes {
				perTTL[p.TTL]++
			}
			for ttl := 1; ttl <= d; ttl++ {
				if perTTL[ttl] != 3 {
					t.Errorf("TTL %d drew %d probes, want 3", ttl, perTTL[ttl])
				}
			}
			t.Logf("%d hops: %d probes (traceroute -I %d) in %s", d, res.Sent, tracerouteProbes(d, 3), took)
		})
	}
}

// TestEngineOnLink: a destination on the source's link is traced with the
// first hop's probes alone, where the first burst would send 27; and a
// router that answers at TTL 1 all the same (proxy ARP: the hint was
// wrong) moves the trace on to the destination.
func TestEngineOnLink(t *testing.T) {
	tests := []struct {
		name    string
		routers int
		onLink  bool
		want    string
		sent    int // probes sent
	}{
		{name: "on link", routers: 0, onLink: true, want: "1 10.77.1.2 R R R\n", sent: 3},
		{name: "same path, no hint", routers: 0, want: "1 10.77.1.2 R R R\n", sent: 27},
		// TTL 1 (3 probes), TTLs 2-6 once TTL 1 answers as a router
		// (15), TTL 7 once TTL 2 does, before the destination (3)
		{name: "a router answers at the first hop", routers: 2, onLink: true,
			want: "1 10.77.1.2 R R R\n2 10.77.2.2 R R R\n3 10.77.3.2 R R R\n", sent: 21},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tracetest.New(tc.routers)
			out, res, _, err := runSim(t, context.Background(), s, Options{OnLink: tc.onLink})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := shape(out); got != tc.want {
				t.Errorf("hops:\n%s\nwant:\n%s", got, tc.want)
			}
			if res.Sent != tc.sent || len(s.Sends) != tc.sent || !res.Trace.Reached() {
				t.Errorf("sent %d (network saw %d), reached %v; want %d sent and reached", res.Sent, len(s.Sends), res.Trace.Reached(), tc.sent)
			}
		})
	}
}

// TestEngineLossWindow: a lost reply holds traceroute's window as long as
// traceroute would wait for it (3 x its hop's RTT), though the engine
// gives up on it at 1.5 x: traceroute -I sends its next probe only then,
// so each reply lost before the destination answers costs it one probe
// past the destination, and tracers must send no more.
func TestEngineLossWindow(t *testing.T) {
	const perHop = 4 * time.Millisecond
	for _, lost := range [][]int{{5}, {3, 5}, {5, 7}, {2}} {
		t.Run(fmt.Sprint(lost), func(t *testing.T) {
			s := tracetest.New(8)
			for i, r := range s.Routers {
				r.Delay = time.Duration(i+1) * perHop
			}
			s.DstDelay = 9 * perHop
			for _, hop := range lost {
				s.Routers[hop-1].Drop = func(n int) bool { return n == 2 }
			}
			out, res, took, err := runSim(t, context.Background(), s, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Trace.Reached() || res.Trace.DestTTL() != 9 {
				t.Fatalf("destination at TTL %d, want 9:\n%s", res.Trace.DestTTL(), out)
			}
			// traceroute -I: 16 + 3 x 8, one fewer for each reply lost
			// whose 3 x RTT outlasts the destination's answer (36ms): at
			// hop 3 (12ms) the lost probe frees its place at 36ms.
			want := tracerouteProbes(9, 3)
			for _, hop := range lost {
				if 3*time.Duration(hop)*perHop > s.DstDelay {
					want--
				}
			}
			if res.Sent > want {
				t.Errorf("sent %d probes, want at most %d (traceroute -I)", res.Sent, want)
			}
			// The engine gives up on a lost reply at 1.5 x its hop's RTT
			// (traceroute waits 3 x): the trace takes the destination's
			// RTT or that, whichever is longer.
			wantTook := s.DstDelay
			for _, hop := range lost {
				wantTook = max(wantTook, time.Duration(hop)*perHop*3/2)
			}
			if took != wantTook {
				t.Errorf("took %s, want %s", took, wantTook)
			}
		})
	}
}

// TestEngineWindow: Options.Window (traceroute -N as the user gave it)
// sizes the window and the horizon past the first burst. Past a
// destination that never answers, with no gap limit, the default window
// walks the silent TTLs 4 at a time, one tail wait each; a window of 120
// sends them all after the first tail wait, as traceroute -N 120 would.
func TestEngineWindow(t *testing.T) {
	run := func(window int) (*Result, time.Duration) {
		s := tracetest.New(2)
		s.DstSilent = true
		o := Options{MaxHops: 40, GapLimit: -1, Window: window, InFlight: max(window, DefaultInFlight)}
		_, res, took, err := runSim(t, context.Background(), s, o)
		if err != nil {
			t.Fatal(err)
		}
		return res, took
	}
	def, defTook := run(0)
	wide, wideTook := run(120)
	if def.Sent != 120 || wide.Sent != 120 {
		t.Errorf("sent %d (default window) and %d (120), want every TTL's 3 probes: 120", def.Sent, wide.Sent)
	}
	// Default: TTLs 10-40 leave at most 5 TTLs per tail wait: the
	// horizon 4 TTLs past the last silent one.
	if defTook < 6*DefaultTailWait {
		t.Errorf("default window took %s, want at least 6 tail waits (31 TTLs, 5 a tail wait)", defTook)
	}
	// 120: the first burst's tail wait, then the rest at once and one more.
	if wideTook > 2*DefaultTailWait+time.Millisecond {
		t.Errorf("window of 120 took %s, want at most 2 tail waits", wideTook)
	}
}
