package analyze

import (
	"math/bits"
	"math/rand/v2"
)

// activeTable maps each trace key to the trace its next probe joins. It is
// looked up for every probe, so it is a small open-addressing table with
// a hash of two multiplications rather than a Go map, whose generic hash
// of a 12-byte key cost more than the rest of adding a probe.
type activeTable struct {
	seed  uint64
	slots []activeSlot // linear probing; tr is nil in an empty slot
	used  int
}

type activeSlot struct {
	k  traceKey
	tr *Trace
}

func newActiveTable() *activeTable {
	return &activeTable{seed: rand.Uint64(), slots: make([]activeSlot, 64)}
}

// home is the slot where the search for k starts; the seed keeps a
// hostile capture from choosing keys that collide.
func (t *activeTable) home(k traceKey) int {
	x := uint64(k.src)<<32 | uint64(k.dst)
	y := uint64(k.flow)<<16 | uint64(k.proto)<<8 | b2u(k.v6)
	hi, lo := bits.Mul64(x^t.seed, y^0x9e3779b97f4a7c15)
	return int(hi^lo) & (len(t.slots) - 1)
}

// find returns the slot holding k, or the empty slot where k would go.
func (t *activeTable) find(k traceKey) (int, bool) {
	mask := len(t.slots) - 1
	for i := t.home(k); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.tr == nil {
			return i, false
		}
		if s.k == k {
			return i, true
		}
	}
}

// get returns the trace of k, or nil.
func (t *activeTable) get(k traceKey) *Trace {
	i, ok := t.find(k)
	if !ok {
		return nil
	}
	return t.slots[i].tr
}

// put makes tr the trace of k.
func (t *activeTable) put(k traceKey, tr *Trace) {
	i, ok := t.find(k)
	if !ok {
		if t.used+1 > len(t.slots)/4*3 {
			t.grow()
			i, _ = t.find(k)
		}
		t.used++
	}
	t.slots[i] = activeSlot{k: k, tr: tr}
}

// del forgets k, when its trace is tr.
func (t *activeTable) del(k traceKey, tr *Trace) {
	i, ok := t.find(k)
	if !ok || t.slots[i].tr != tr {
		return
	}
	// Shift back the slots after i that probed past it, so that lookups
	// need no tombstones.
	mask := len(t.slots) - 1
	for j := (i + 1) & mask; t.slots[j].tr != nil; j = (j + 1) & mask {
		// slot j may move to i when i lies cyclically in [home, j).
		if h := t.home(t.slots[j].k); (j-h)&mask >= (j-i)&mask {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = activeSlot{}
	t.used--
}

// grow doubles the table.
func (t *activeTable) grow() {
	old := t.slots
	t.slots = make([]activeSlot, len(old)*2)
	for _, s := range old {
		if s.tr != nil {
			i, _ := t.find(s.k)
			t.slots[i] = s
		}
	}
}
