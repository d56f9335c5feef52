package analyze

import (
	"math/bits"
	"math/rand/v2"
	"time"
	"unsafe"
)

// window holds the probes still within the analyzer's Window in capture
// order and finds the latest one with a given identity.
//
// It is the analyzer's hot path, so it is laid out for the cache: a probe
// is numbered in capture order; entries (identity, capture time, previous
// probe with the same identity) sit in a slice in that order; the index is
// an open-addressing table of 8-byte slots (hash tag, number of the latest
// probe with that identity) small enough to stay in the CPU's cache. Expiry
// reads the oldest entries in order and touches neither a Probe, which by
// then is long out of the cache, nor the table, whose slots it leaves
// stale. Nothing but the probes slice holds pointers.
type window struct {
	seed0, seed1 uint64
	// The ring holds probes oldest..next-1, probe n at n&(len-1).
	oldest, next uint32
	ents         []entry  // probes in capture order
	probes       []*Probe // ents[i]'s probe
	slots        []slot   // open addressing, linear probing
	filled       int      // slots not empty: live or stale
	rebuilt      uint32   // next at the latest rebuild
	// limit bounds the probes held (0: no bound): an add that would pass
	// it forgets the oldest probe first, however recent, and counts it
	// in forgot.
	limit  uint32
	forgot int
}

type entry struct {
	k    key
	back uint32 // how many probes back the previous one with k is; 0: none
	at   int64  // capture time, Unix nanoseconds
}

// slot indexes the latest probe with one identity: tag is its tag,
// 0 in an empty slot. A slot whose probe has left the window is stale:
// expiry leaves it, so that it never reads the table; lookups pass over
// it, adds reuse it, and a rebuild clears them all when few slots are
// left empty.
type slot struct {
	tag uint32
	num uint32
}

// newWindow returns a window holding at most limit probes (0: no bound).
func newWindow(limit int) *window {
	return &window{
		seed0: rand.Uint64(), seed1: rand.Uint64(), limit: uint32(limit),
		ents: make([]entry, 1024), probes: make([]*Probe, 1024), slots: make([]slot, 1024),
	}
}

// tag is k's slot tag: a hash of k mixed with the window's random seed,
// so that a hostile capture cannot choose identities that collide. Its
// bits also give the slot where the search for k starts; it is never 0,
// the tag of an empty slot.
func (w *window) tag(k *key) uint32 {
	x := uint64(k.src)<<32 | uint64(k.dst)
	y := uint64(k.c)<<32 | uint64(k.a)<<16 | uint64(k.b)
	hi, lo := bits.Mul64(x^w.seed0, y^w.seed1)
	hi, lo = bits.Mul64(hi^lo^uint64(k.proto)^b2u(k.v6)<<8, 0x9e3779b97f4a7c15)
	return max(uint32(hi^lo), 1)
}

// touch starts loading the slot where the search for tag starts, so that
// a find a little later does not wait for it.
func (w *window) touch(tag uint32) {
	prefetch(uintptr(unsafe.Pointer(&w.slots[int(tag)&(len(w.slots)-1)])))
}

// live reports whether probe number n is still within the window.
func (w *window) live(n uint32) bool { return n-w.oldest < w.next-w.oldest }

// find returns the slot holding k; or, when no live slot does, the first
// stale slot on k's path, or the empty slot that ends it.
func (w *window) find(k *key, tag uint32) (int, bool) {
	mask := len(w.slots) - 1
	stale := -1
	for i := int(tag) & mask; ; i = (i + 1) & mask {
		s := w.slots[i]
		if s.tag == 0 {
			if stale >= 0 {
				return stale, false
			}
			return i, false
		}
		if !w.live(s.num) {
			if stale < 0 {
				stale = i
			}
			continue
		}
		if s.tag == tag && w.ents[s.num&uint32(len(w.ents)-1)].k == *k {
			return i, true
		}
	}
}

// latest returns the number of the latest probe with identity k, whose
// tag is tag.
func (w *window) latest(k *key, tag uint32) (uint32, bool) {
	i, ok := w.find(k, tag)
	return w.slots[i].num, ok
}

// before returns the number of the probe with the same identity as probe
// n sent before it, if that one is still within Window.
func (w *window) before(n uint32) (uint32, bool) {
	e := &w.ents[n&uint32(len(w.ents)-1)]
	if e.back == 0 {
		return 0, false
	}
	m := n - e.back
	return m, w.live(m)
}

// sent is when probe number n was captured, in Unix nanoseconds.
func (w *window) sent(n uint32) int64 { return w.ents[n&uint32(len(w.ents)-1)].at }

// probe returns probe number n.
func (w *window) probe(n uint32) *Probe { return w.probes[n&uint32(len(w.probes)-1)] }

// spot is where lookup found an identity in the table, or where it would
// go; it stays valid until the next add.
type spot struct {
	tag   uint32
	i     int
	found bool
}

// lookup finds k, whose tag is tag, for a following add, and the number
// of the latest probe with identity k when there is one.
func (w *window) lookup(k *key, tag uint32) (spot, uint32) {
	if w.filled+1 > len(w.slots)/4*3 || w.next-w.rebuilt >= 1<<30 {
		w.rebuild()
	}
	i, ok := w.find(k, tag)
	return spot{tag: tag, i: i, found: ok}, w.slots[i].num
}

// add appends p, with identity k, captured at at (Unix nanoseconds), and
// numbers it; sp is lookup(k).
func (w *window) add(sp spot, k *key, p *Probe, at int64) {
	if w.limit != 0 && w.next-w.oldest == w.limit {
		// Full: the oldest probe goes before its time. Its slot goes
		// stale as at expiry; sp stays valid, since no slot changes.
		w.probes[w.oldest&uint32(len(w.probes)-1)] = nil
		w.oldest++
		w.forgot++
	}
	if int(w.next-w.oldest) == len(w.ents) {
		w.growRing()
	}
	n := w.next
	p.num = n
	j := n & uint32(len(w.ents)-1)
	// Field by field: an entry built on the stack and copied stalls the
	// copy, which reads in 16 bytes what was written in 4.
	e := &w.ents[j]
	e.k, e.at, e.back = *k, at, 0
	if sp.found {
		e.back = n - w.slots[sp.i].num
	} else if w.slots[sp.i].tag == 0 {
		w.filled++
	}
	w.slots[sp.i] = slot{tag: sp.tag, num: n}
	w.probes[j] = p
	w.next++
}

// growRing doubles the ring, keeping every probe at its number's place.
func (w *window) growRing() {
	ents := make([]entry, len(w.ents)*2)
	probes := make([]*Probe, len(ents))
	om, nm := uint32(len(w.ents)-1), uint32(len(ents)-1)
	for n := w.oldest; n != w.next; n++ {
		ents[n&nm], probes[n&nm] = w.ents[n&om], w.probes[n&om]
	}
	w.ents, w.probes = ents, probes
}

// rebuild indexes the probes within Window again in a table with no
// stale slots, at least twice as large as they are many, so that
// many adds pass before the next rebuild. Stale slot numbers are never
// more than 2^30 probes old, so they cannot come round again as live.
func (w *window) rebuild() {
	n := len(w.slots)
	for n < 2*int(w.next-w.oldest+1) {
		n *= 2
	}
	if n == len(w.slots) {
		clear(w.slots)
	} else {
		w.slots = make([]slot, n)
	}
	w.filled, w.rebuilt = 0, w.next
	m := uint32(len(w.ents) - 1)
	for num := w.oldest; num != w.next; num++ {
		k := &w.ents[num&m].k
		tag := w.tag(k)
		i, ok := w.find(k, tag)
		if !ok {
			w.filled++
		}
		w.slots[i] = slot{tag: tag, num: num}
	}
}

// expire forgets the probes captured more than d before now (Unix
// nanoseconds). Their slots go stale, left for adds and rebuilds.
func (w *window) expire(now int64, d time.Duration) {
	limit := now - int64(d)
	m := uint32(len(w.ents) - 1)
	for ; w.oldest != w.next; w.oldest++ {
		j := w.oldest & m
		if w.ents[j].at >= limit {
			break
		}
		w.probes[j] = nil
	}
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
