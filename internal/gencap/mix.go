package gencap

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Source is one real capture for Mix: its name, link type and packets in
// capture order.
type Source struct {
	Name    string
	Link    layers.LinkType
	Packets []SourcePacket
}

// SourcePacket is one packet of a Source.
type SourcePacket struct {
	At   time.Time
	Data []byte
	Len  int // length on the wire (0: len(Data))
}

// MixOptions say what Mix writes. Only Packets is required.
type MixOptions struct {
	Packets int // packets to write
	// Lanes is how many captures play at once (default 64).
	Lanes int
	// Pause is the mean pause in a lane between the end of one capture and
	// the start of the next (default 500ms): with 64 lanes and the lab
	// captures, about 4,000 packets per second of capture time.
	Pause time.Duration
	// Seed picks the order of the captures and the pauses.
	Seed uint64
	// Start is the capture time of the first packet (default 2024-01-01 UTC).
	Start time.Time
}

// MixSummary says what Mix wrote.
type MixSummary struct {
	Packets  int           // packets written
	Plays    int           // captures started
	Skipped  int           // source packets left out: not IP on a link Mix rewraps
	Duration time.Duration // capture time from the first to the last packet
}

var errNoSource = errors.New("gencap: no source capture with packets")

// Mix writes a capture of o.Packets packets (Ethernet, pcap with
// nanosecond timestamps) made of the real captures srcs played again and
// again: o.Lanes lanes each play one capture after another, picked at
// random, shifted in time to follow the previous one after a random pause,
// and the lanes are merged in capture order. Every play moves every IPv4
// and IPv6 address it holds (outer headers and the headers ICMP errors
// quote) by its own amount, so that the traces of two plays never share
// an address pair. The move is checksum-neutral (one 16-bit word of the
// address goes up by what the next goes down, as NPTv6 does, RFC 6296):
// every IP, ICMP, UDP and TCP checksum stays valid without being
// recomputed, and truncated packets stay as they were. Packets that are
// not Ethernet are rewrapped in an Ethernet header; non-IP packets of
// other links are left out.
func Mix(w io.Writer, srcs []Source, o MixOptions) (MixSummary, error) {
	if o.Packets <= 0 {
		return MixSummary{}, errPackets
	}
	var use []*Source
	for i := range srcs {
		if len(srcs[i].Packets) > 0 {
			use = append(use, &srcs[i])
		}
	}
	if len(use) == 0 {
		return MixSummary{}, errNoSource
	}
	if o.Lanes <= 0 {
		o.Lanes = 64
	}
	if o.Pause <= 0 {
		o.Pause = 500 * time.Millisecond
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	pw := pcapgo.NewWriterNanos(bw)
	if err := pw.WriteFileHeader(snaplen, layers.LinkTypeEthernet); err != nil {
		return MixSummary{}, fmt.Errorf("gencap: pcap header: %w", err)
	}
	m := &mixer{rng: rand.New(rand.NewPCG(o.Seed, 0x6d6978)), srcs: use, o: o}
	for range o.Lanes {
		m.start(&lane{}, o.Start.Add(time.Duration(m.rng.Int64N(int64(o.Pause)))))
	}
	var sum MixSummary
	var first time.Time
	buf := make([]byte, 0, snaplen)
	for sum.Packets < o.Packets {
		l := m.lanes[0]
		p := &l.src.Packets[l.i]
		at := l.base.Add(p.At.Sub(l.src.Packets[0].At))
		if data, ok := rewrap(buf[:0], l.src.Link, p.Data); ok {
			shift(data, l.k)
			n := p.Len
			if n < len(p.Data) {
				n = len(p.Data)
			}
			n += len(data) - len(p.Data) // the link header may have changed size
			ci := gopacket.CaptureInfo{Timestamp: at, CaptureLength: len(data), Length: n}
			if err := pw.WritePacket(ci, data); err != nil {
				return sum, fmt.Errorf("gencap: write packet %d: %w", sum.Packets+1, err)
			}
			if sum.Packets == 0 {
				first = at
			}
			sum.Packets++
			sum.Duration = at.Sub(first)
		} else {
			sum.Skipped++
		}
		if l.i++; l.i == len(l.src.Packets) {
			heap.Pop(m)
			end := at.Add(time.Duration(m.rng.Int64N(2 * int64(o.Pause))))
			m.start(l, end)
		} else {
			heap.Fix(m, 0)
		}
	}
	sum.Plays = m.plays
	if err := bw.Flush(); err != nil {
		return sum, fmt.Errorf("gencap: flush: %w", err)
	}
	return sum, nil
}

// lane plays one capture at a time.
type lane struct {
	src  *Source
	i    int       // next packet
	base time.Time // capture time of the play's first packet
	k    uint16    // the play's address move
}

func (l *lane) next() time.Time {
	return l.base.Add(l.src.Packets[l.i].At.Sub(l.src.Packets[0].At))
}

// mixer is a heap of lanes by the time of their next packet.
type mixer struct {
	rng   *rand.Rand
	srcs  []*Source
	o     MixOptions
	lanes []*lane
	plays int
}

// start makes l play a capture picked at random from at on.
func (m *mixer) start(l *lane, at time.Time) {
	m.plays++
	// 0 and 0xffff move nothing in ones' complement.
	*l = lane{src: m.srcs[m.rng.IntN(len(m.srcs))], base: at, k: uint16(1 + m.plays%0xfffe)}
	heap.Push(m, l)
}

func (m *mixer) Len() int           { return len(m.lanes) }
func (m *mixer) Less(i, j int) bool { return m.lanes[i].next().Before(m.lanes[j].next()) }
func (m *mixer) Swap(i, j int)      { m.lanes[i], m.lanes[j] = m.lanes[j], m.lanes[i] }
func (m *mixer) Push(x any)         { m.lanes = append(m.lanes, x.(*lane)) }
func (m *mixer) Pop() any {
	l := m.lanes[len(m.lanes)-1]
	m.lanes = m.lanes[:len(m.lanes)-1]
	return l
}

// mixMAC is the Ethernet source and destination of rewrapped packets.
var mixMAC = [12]byte{0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02}

// rewrap appends to buf the packet data of link type link as an Ethernet
// frame: the same bytes for Ethernet, the IP packet behind a new Ethernet
// header for other links. ok is false for a packet that is not IP on a
// link other than Ethernet.
func rewrap(buf []byte, link layers.LinkType, data []byte) ([]byte, bool) {
	var hdr int
	switch link {
	case layers.LinkTypeEthernet:
		return append(buf, data...), true
	case layers.LinkTypeLinuxSLL:
		hdr = 16
	case layers.LinkTypeLinuxSLL2:
		hdr = 20
	case layers.LinkTypeRaw, layers.LinkType(12): // DLT_RAW, LINKTYPE_RAW
		hdr = 0
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		hdr = 4
	default:
		return buf, false
	}
	if len(data) <= hdr {
		return buf, false
	}
	ip := data[hdr:]
	var et uint16
	switch ip[0] >> 4 {
	case 4:
		et = uint16(layers.EthernetTypeIPv4)
	case 6:
		et = uint16(layers.EthernetTypeIPv6)
	default:
		return buf, false
	}
	buf = append(buf, mixMAC[:]...)
	buf = binary.BigEndian.AppendUint16(buf, et)
	return append(buf, ip...), true
}

// shift moves every address of the Ethernet frame b by k (see Mix): the
// IPv4 or IPv6 header's, and those of the header an ICMP or ICMPv6 error
// quotes.
func shift(b []byte, k uint16) {
	off := 14
	if len(b) < off {
		return
	}
	et := binary.BigEndian.Uint16(b[12:])
	for et == uint16(layers.EthernetTypeDot1Q) && len(b) >= off+4 {
		et = binary.BigEndian.Uint16(b[off+2:])
		off += 4
	}
	switch et {
	case uint16(layers.EthernetTypeIPv4):
		shiftIP(b[off:], k, 4, true)
	case uint16(layers.EthernetTypeIPv6):
		shiftIP(b[off:], k, 6, true)
	}
}

// shiftIP moves the addresses of the IP packet b of version v by k, and
// with quotes those of the packet an ICMP error in b quotes.
func shiftIP(b []byte, k uint16, v byte, quotes bool) {
	if len(b) < 1 || b[0]>>4 != v {
		return
	}
	switch v {
	case 4:
		hl := int(b[0]&0xf) * 4
		if hl < 20 || len(b) < 20 {
			return
		}
		move(b[12:16], k) // source
		move(b[16:20], k) // destination
		// The quote of an ICMP error (not of a later fragment).
		if quotes && b[9] == 1 && binary.BigEndian.Uint16(b[6:])&0x1fff == 0 && len(b) >= hl+8 {
			switch b[hl] {
			case 3, 4, 5, 11, 12:
				shiftIP(b[hl+8:], k, 4, false)
			}
		}
	case 6:
		if len(b) < 40 {
			return
		}
		// The second 32 bits of each address: the prefix stays.
		move(b[12:16], k) // source
		move(b[28:32], k) // destination
		if quotes && b[6] == 58 && len(b) >= 48 && b[40] < 128 {
			shiftIP(b[48:], k, 6, false)
		}
	}
}

// move adds k to the first 16-bit word of a and takes it off the second,
// in ones' complement, so that a's sum, and every checksum over it, stays
// the same. A truncated a is left alone.
func move(a []byte, k uint16) {
	if len(a) < 4 {
		return
	}
	w0 := binary.BigEndian.Uint16(a)
	w1 := binary.BigEndian.Uint16(a[2:])
	binary.BigEndian.PutUint16(a, add1(w0, k))
	binary.BigEndian.PutUint16(a[2:], add1(w1, ^k))
}

// add1 is a + b in ones' complement.
func add1(a, b uint16) uint16 {
	s := uint32(a) + uint32(b)
	return uint16(s + s>>16)
}
