package analyze

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestWindowModel drives a window and a plain map model with the same
// random stream of probes, many sharing identities, through table and
// ring growth and expiry, and checks after every step that each identity
// still within the window leads to the same probes, latest first, and
// that expired ones are gone, however many stale slots the table holds.
func TestWindowModel(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 9))
	w := newWindow(0)
	type rec struct {
		k  key
		p  *Probe
		at time.Time
	}
	var all []rec
	oldest := 0
	const span = 2 * time.Second
	now := time.Unix(1_700_000_000, 0)
	keys := func() key {
		// Few distinct keys so that chains form; small fields so that
		// slots collide.
		return key{src: 1, dst: uint32(r.IntN(4)), proto: ICMP, a: uint16(r.IntN(3)), b: uint16(r.IntN(2000))}
	}
	for step := range 30000 {
		now = now.Add(time.Duration(r.IntN(int(time.Millisecond))))
		if step == 20000 {
			now = now.Add(3 * time.Second) // everything expires at once
		}
		w.expire(now.UnixNano(), span)
		for oldest < len(all) && now.Sub(all[oldest].at) > span {
			oldest++
		}
		k := keys()
		sp, n := w.lookup(&k, w.tag(&k))
		var want []*Probe
		for i := len(all) - 1; i >= oldest; i-- {
			if all[i].k == k {
				want = append(want, all[i].p)
			}
		}
		if sp.found != (len(want) > 0) {
			t.Fatalf("step %d: lookup(%v) found = %v, model has %d probes", step, k, sp.found, len(want))
		}
		var got []*Probe
		for ok := sp.found; ok; n, ok = w.before(n) {
			got = append(got, w.probe(n))
		}
		if len(got) != len(want) {
			t.Fatalf("step %d: %v has %d probes in the window, model %d", step, k, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("step %d: probe %d of %v differs from the model", step, i, k)
			}
		}
		p := &Probe{Frame: step}
		w.add(sp, &k, p, now.UnixNano())
		all = append(all, rec{k, p, now})
	}
	live := map[key]bool{}
	for _, e := range all[oldest:] {
		live[e.k] = true
	}
	inTable := map[key]int{}
	for _, s := range w.slots {
		if s.tag != 0 && w.live(s.num) {
			inTable[w.ents[s.num&uint32(len(w.ents)-1)].k]++
		}
	}
	if len(inTable) != len(live) {
		t.Errorf("%d identities in live slots, %d live", len(inTable), len(live))
	}
	for k, n := range inTable {
		if n != 1 || !live[k] {
			t.Errorf("%v: %d live slots, live %v", k, n, live[k])
		}
	}
	if w.filled > len(w.slots)/4*3 {
		t.Errorf("%d of %d slots filled, above the 3/4 that rebuilds", w.filled, len(w.slots))
	}
	if len(w.slots) < 2048 || len(w.ents) < 2048 {
		t.Errorf("table %d slots, ring %d: the test never made them grow", len(w.slots), len(w.ents))
	}
}

// TestWindowLimit checks that a window with a limit holds no more probes
// than it, forgetting the oldest first however recent, and counts them.
func TestWindowLimit(t *testing.T) {
	tests := []struct {
		name         string
		limit, adds  int
		live, forgot int
	}{
		{"under the limit", 8, 5, 5, 0},
		{"at the limit", 8, 8, 8, 0},
		{"past the limit", 8, 20, 8, 12},
		{"limit past the first ring", 2048, 5000, 2048, 2952},
		{"no limit", 0, 3000, 3000, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWindow(tt.limit)
			ps := make([]*Probe, tt.adds)
			for i := range ps {
				k := key{src: 1, dst: 2, proto: ICMP, a: 7, b: uint16(i)}
				sp, _ := w.lookup(&k, w.tag(&k))
				ps[i] = &Probe{}
				w.add(sp, &k, ps[i], int64(i)) // all within any window
			}
			if n := int(w.next - w.oldest); n != tt.live {
				t.Errorf("window holds %d probes, want %d", n, tt.live)
			}
			if w.forgot != tt.forgot {
				t.Errorf("forgot = %d, want %d", w.forgot, tt.forgot)
			}
			for i, p := range ps {
				k := key{src: 1, dst: 2, proto: ICMP, a: 7, b: uint16(i)}
				n, ok := w.latest(&k, w.tag(&k))
				if want := i >= tt.adds-tt.live; ok != want || (ok && w.probe(n) != p) {
					t.Errorf("probe %d: found %v, want %v (the latest %d only)", i, ok, want, tt.live)
				}
			}
		})
	}
}
