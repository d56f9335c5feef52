package analyze

import (
	"encoding/binary"
	"net/netip"
)

// Interned IPv6 addresses: a ring of tableChunks chunks of chunkLen
// addresses, allocated as they fill.
const (
	chunkBits   = 12
	chunkLen    = 1 << chunkBits
	tableChunks = 256
	tableCap    = chunkLen * tableChunks
)

// addrTable gives each IPv6 address a small number, so that the window's
// keys and the Notes hold an IPv6 address in 4 bytes as they hold an
// IPv4 one, and stay one cache line.
//
// Only Prepare numbers addresses, on its goroutine; the analyzer reads a
// number's address on its own goroutine after the Note that carries it
// was handed over, which orders the write before the read. The chunks
// are never moved and a number's entry is not written again until
// tableCap more addresses were numbered; so that it is not, the
// addresses seen are forgotten each time tableCap/2 were numbered, after
// which an address is numbered anew (a reply then no longer matches a
// probe numbered before: the cost of a capture with over half a million
// IPv6 addresses, which keeps memory bounded).
type addrTable struct {
	ids    map[[16]byte]uint32
	next   uint32
	chunks [tableChunks]*[chunkLen][16]byte
	// recent holds the addresses numbered or looked up last, by a hash
	// of the address: a capture repeats a few addresses (the tracer's,
	// its destinations, the routers) packet after packet, and this
	// finds them without the map's hashing of 16 bytes. The figure that
	// keeps it: the reading goroutine of a replay of the 2M-packet
	// real-traffic capture of scripts/bench-replay.sh (replay's
	// BenchmarkReadPath, GOMAXPROCS=1, 8 runs interleaved with the map
	// alone, best of each) took 0.417 s against 0.476 s, 12 % less. 4096
	// entries showed no gain over 256.
	recent [recentLen]recentAddr
}

// recentLen is the number of entries in addrTable.recent.
const recentLen = 256

// recentAddr is an entry of addrTable.recent: id1 is the number + 1, 0
// for an empty entry.
type recentAddr struct {
	b   [16]byte
	id1 uint32
}

func newAddrTable() *addrTable {
	return &addrTable{ids: make(map[[16]byte]uint32)}
}

// id numbers a (Prepare's goroutine).
func (t *addrTable) id(a netip.Addr) uint32 {
	b := a.As16()
	h := (binary.LittleEndian.Uint64(b[:8])*0x9E3779B97F4A7C15 ^ binary.LittleEndian.Uint64(b[8:])) * 0x9E3779B97F4A7C15
	e := &t.recent[h>>56]
	if e.id1 != 0 && e.b == b {
		return e.id1 - 1
	}
	if id, ok := t.ids[b]; ok {
		e.b, e.id1 = b, id+1
		return id
	}
	if len(t.ids) >= tableCap/2 {
		clear(t.ids)
		clear(t.recent[:])
	}
	id := t.next
	e.b, e.id1 = b, id+1
	t.next++
	slot := id % tableCap
	c := t.chunks[slot>>chunkBits]
	if c == nil {
		c = new([chunkLen][16]byte)
		t.chunks[slot>>chunkBits] = c
	}
	c[slot&(chunkLen-1)] = b
	t.ids[b] = id
	return id
}

// addr is the address numbered id.
func (t *addrTable) addr(id uint32) netip.Addr {
	slot := id % tableCap
	return netip.AddrFrom16(t.chunks[slot>>chunkBits][slot&(chunkLen-1)])
}
