package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"

	"github.com/tracers/tracers/packet"
)

// Snaplen and BufferSize are the live handle's settings: in immediate mode,
// libpcap's defaults (262144 bytes, 2 MiB) drop packets even within one
// traceroute burst; 256 bytes hold every header tracers reads. BufferSize
// is the largest ring OpenLiveSize sets up (sized for 70k probes/s); a run
// asks for RingBytes of the packets its trace can capture instead.
const (
	Snaplen    = 256
	BufferSize = 8 << 20
)

// frameBytes is the ring space one captured packet takes: libpcap's
// TPACKET_V2 frame for Snaplen is 336 bytes on Linux (tpacket2_hdr and
// sockaddr_ll aligned, 256 bytes of link-layer room, the snaplen), 12 to a
// 4 KiB block; 384 leaves room for other header sizes and page sizes.
const frameBytes = 384

// ringSlack is what RingBytes adds for packets that are not the run's: the
// socket captures everything between libpcap's bind and the kernel filter
// (about a millisecond), and those frames stay in the ring until the reader
// drops them.
const ringSlack = 256 * frameBytes

// minRing is the smallest ring RingBytes asks for.
const minRing = 128 << 10

// RingBytes is the capture buffer size that holds packets captured
// packets at once, plus slack, between 128 KiB and BufferSize. A ring that
// holds every packet a trace can capture never drops one, however late the
// reader runs. A big ring is slow to set up and to free: with 8 MiB the
// PACKET_RX_RING setsockopt took 1.6-6.7 ms, libpcap then read all 24,966
// frames' status when the filter was set (2,080 page faults), and freeing
// it held up exit 3.7 ms; with the 197 KiB of a default trace the
// setsockopt takes 0.1-0.6 ms, and a whole run went from 77.1 to 64.9 ms
// (medians of 40 runs in turns, scripts/bench-startup.sh, loaded machine).
func RingBytes(packets int) int {
	if packets < 0 {
		packets = 0
	}
	n := packets*frameBytes + ringSlack
	switch {
	case packets > BufferSize/frameBytes || n > BufferSize:
		return BufferSize
	case n < minRing:
		return minRing
	}
	return n
}

// Live is a libpcap live capture on one interface.
//
// On Linux it is read in the caller's goroutine: Next waits for the
// socket through Go's poller (a duplicate of libpcap's descriptor) and then
// reads the ring, so a packet goes from the kernel to the engine without a
// thread blocked in libpcap's poll (waking every 5 ms) and without a
// hand-over between goroutines. A zero-delay run (scripts/bench-startup.sh,
// 60 runs each in turns, three rounds on a machine loaded by other work)
// took 89.2, 50.9 and 47.3 ms against 103.3, 52.2 and 51.2 ms with the
// reader goroutine, and 45, 39 and 39.5 ms of CPU against 50, 40.5 and
// 41.5. Elsewhere, or when the descriptor cannot be told apart, a
// goroutine reads the handle and hands packets over a channel.
type Live struct {
	h    *pcap.Handle
	link layers.LinkType
	f    *os.File // the polled duplicate of the handle's socket, or nil
	rc   syscall.RawConn

	ch      chan packet.Packet
	stop    chan struct{}
	wg      sync.WaitGroup
	errMu   sync.Mutex
	err     error
	closeMu sync.Once
}

// OpenLive starts capturing on iface in immediate mode with filter, a BPF
// expression, into a ring of BufferSize bytes. Packets are read from the
// moment it returns.
func OpenLive(iface, filter string) (*Live, error) {
	return OpenLiveSize(iface, filter, BufferSize)
}

// OpenLiveSize is OpenLive with a capture ring of bufBytes bytes (see
// RingBytes); 0 or less means BufferSize.
func OpenLiveSize(iface, filter string, bufBytes int) (*Live, error) {
	if bufBytes <= 0 {
		bufBytes = BufferSize
	}
	dev, err := deviceName(iface)
	if err != nil {
		return nil, fmt.Errorf("capture on %s: %w", iface, err)
	}
	in, err := pcap.NewInactiveHandle(dev)
	if err != nil {
		return nil, fmt.Errorf("capture on %s: %w", iface, err)
	}
	defer in.CleanUp()
	for _, set := range []func() error{
		func() error { return in.SetSnapLen(Snaplen) },
		func() error { return in.SetBufferSize(bufBytes) },
		func() error { return in.SetImmediateMode(true) },
		func() error { return in.SetTimeout(5 * time.Millisecond) },
	} {
		if err := set(); err != nil {
			return nil, fmt.Errorf("capture on %s: %w", iface, err)
		}
	}
	h, err := in.Activate()
	if err != nil {
		msg := err.Error()
		if strings.Contains(msg, "ermission") || strings.Contains(msg, "not permitted") {
			return nil, fmt.Errorf("capture on %s: %w", iface, ErrPermission)
		}
		return nil, fmt.Errorf("capture on %s: %w", iface, err)
	}
	if err := h.SetBPFFilter(filter); err != nil {
		h.Close()
		return nil, fmt.Errorf("capture: set filter %q on %s: %w", filter, iface, err)
	}
	l := &Live{h: h, link: h.LinkType(), stop: make(chan struct{})}
	if l.f = newPacketFD(); l.f != nil {
		if l.rc, err = l.f.SyscallConn(); err != nil {
			l.f.Close()
			l.f = nil
		}
	}
	if l.f == nil {
		l.ch = make(chan packet.Packet, 4096)
		l.wg.Add(1)
		go l.read()
	}
	return l, nil
}

// LinkType is the link type of the captured packets.
func (l *Live) LinkType() layers.LinkType { return l.link }

func (l *Live) read() {
	defer l.wg.Done()
	defer close(l.ch)
	for {
		select {
		case <-l.stop:
			return
		default:
		}
		data, ci, err := l.h.ReadPacketData()
		switch {
		case err == nil:
		case errors.Is(err, pcap.NextErrorTimeoutExpired):
			continue
		case errors.Is(err, io.EOF):
			return
		default:
			l.errMu.Lock()
			l.err = err
			l.errMu.Unlock()
			return
		}
		select {
		case l.ch <- packet.Packet{Time: ci.Timestamp, Link: l.link, Data: data, Len: ci.Length}:
		case <-l.stop:
			return
		}
	}
}

// Next returns the next captured packet; ok is false when deadline passes
// first. It returns ctx's error when ctx is done.
func (l *Live) Next(ctx context.Context, deadline time.Time) (p packet.Packet, ok bool, err error) {
	if l.f != nil {
		return l.nextPolled(ctx, deadline)
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case p, open := <-l.ch:
		if !open {
			l.errMu.Lock()
			defer l.errMu.Unlock()
			if l.err != nil {
				return p, false, fmt.Errorf("capture: %w", l.err)
			}
			return p, false, io.EOF
		}
		return p, true, nil
	case <-t.C:
		return p, false, nil
	case <-ctx.Done():
		return p, false, ctx.Err()
	}
}

// nextPolled is Next when the socket is polled: a packet already in the
// ring is returned even when deadline has passed; otherwise Next waits for
// the socket to become readable, deadline or ctx.
func (l *Live) nextPolled(ctx context.Context, deadline time.Time) (p packet.Packet, ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return p, false, err
	}
	fd := -1
	// try reads the next packet when the ring has one: libpcap would
	// otherwise wait in its own poll for its timeout.
	try := func() bool {
		// Bounded: a socket that stays readable without a packet to read
		// (an error libpcap does not report) must not spin.
		for range 64 {
			if !readable(fd) {
				return false
			}
			data, ci, rerr := l.h.ReadPacketData()
			switch {
			case rerr == nil:
				p, ok = packet.Packet{Time: ci.Timestamp, Link: l.link, Data: data, Len: ci.Length}, true
				return true
			case errors.Is(rerr, pcap.NextErrorTimeoutExpired):
				continue // a frame libpcap filtered out
			case errors.Is(rerr, io.EOF):
				err = io.EOF
				return true
			default:
				err = fmt.Errorf("capture: %w", rerr)
				return true
			}
		}
		return false
	}
	if cerr := l.rc.Control(func(s uintptr) { fd = int(s) }); cerr != nil {
		return p, false, fmt.Errorf("capture: %w", cerr)
	}
	if try() {
		return p, ok, err
	}
	if !time.Now().Before(deadline) {
		return p, false, nil
	}
	if derr := l.f.SetReadDeadline(deadline); derr != nil {
		return p, false, fmt.Errorf("capture: %w", derr)
	}
	if ctx.Done() != nil {
		// Wake the wait when ctx ends: a deadline in the past.
		stop := context.AfterFunc(ctx, func() { l.f.SetReadDeadline(time.Unix(1, 0)) })
		defer stop()
	}
	rerr := l.rc.Read(func(uintptr) bool { return try() })
	switch {
	case rerr == nil:
		return p, ok, err
	case errors.Is(rerr, os.ErrDeadlineExceeded):
		if cerr := ctx.Err(); cerr != nil {
			return p, false, cerr
		}
		return p, false, nil
	}
	return p, false, fmt.Errorf("capture: %w", rerr)
}

// Stats are libpcap's counters for the handle.
type Stats struct{ Received, Dropped, IfDropped int }

// Stats reports what libpcap received and dropped so far.
func (l *Live) Stats() (Stats, error) {
	s, err := l.h.Stats()
	if err != nil {
		return Stats{}, fmt.Errorf("capture stats: %w", err)
	}
	return Stats{Received: s.PacketsReceived, Dropped: s.PacketsDropped, IfDropped: s.PacketsIfDropped}, nil
}

// Close stops the capture.
func (l *Live) Close() {
	l.closeMu.Do(func() {
		close(l.stop)
		l.wg.Wait()
		if l.f != nil {
			l.f.Close()
		}
		l.h.Close()
	})
}
