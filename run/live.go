package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/capture"
	"github.com/tracers/tracers/craft"
	"github.com/tracers/tracers/trace"
)

// Options are the settings of `tracers run`.
type Options struct {
	trace.Options
	// Method is how the run probes (craft.Method): Live completes it with
	// the run's source port, echo identifier and payload, builds its
	// craft.Prober and hands that to the engine. Zero is classic ICMP Echo.
	Method craft.Method
	Host   string
	Family int // 4 or 6 to trace over that family only; 0: IPv4 when a name has both, as Linux traceroute
	Iface  string
	Source string
	// Numeric turns reverse DNS off.
	Numeric bool
	Format  string // text or json
	Explain bool   // explain each hop in words; hops then print when the trace ends
	Write   string // pcap or pcapng file to save every captured packet in
	App     string // written into pcapng files, e.g. "tracers 0.1.0"
	Command string // the command line, written into pcapng files
	Stderr  io.Writer
	// Exiting says the process exits as soon as Live returns (the
	// command line, through internal/linger): the capture is then left
	// open for the exit to release rather than closed, which waits for
	// the kernel (see Live).
	Exiting bool

	// Set by Live from the Prober, for the header line and the JSON.
	pktLen int           // every probe's length, IP header included
	method *craft.Method // the method as completed with its defaults
}

// Check validates the options a user sets.
func (o *Options) Check() error {
	if o.Family != 0 && o.Family != 4 && o.Family != 6 {
		return fmt.Errorf("address family %d: want 4 or 6", o.Family)
	}
	if o.Format != "text" && o.Format != "json" {
		return fmt.Errorf("unknown format %q (want text or json)", o.Format)
	}
	return o.Options.Check()
}

// liveWire joins the raw sender and the live capture. The capture opens
// (libpcap's activation and filter, 3-5 ms here) while the engine gets
// ready; the first Send or Next waits for it, so no probe leaves before
// the capture sees it.
type liveWire struct {
	s      *capture.Sender
	opened <-chan openedLive
	l      *capture.Live
	err    error
}

// openedLive is what opening the capture gave.
type openedLive struct {
	l   *capture.Live
	err error
}

// live waits for the capture to be open and returns it, or why it is not.
func (w *liveWire) live() (*capture.Live, error) {
	if w.opened != nil {
		r := <-w.opened
		w.opened, w.l, w.err = nil, r.l, r.err
	}
	return w.l, w.err
}

func (w *liveWire) Send(pkt []byte) error {
	if _, err := w.live(); err != nil {
		return err
	}
	return w.s.Send(pkt)
}

func (w *liveWire) Next(ctx context.Context, d time.Time) (analyze.Packet, bool, error) {
	l, err := w.live()
	if err != nil {
		return analyze.Packet{}, false, err
	}
	return l.Next(ctx, d)
}

func (w *liveWire) Now() time.Time { return time.Now() }

// ringPackets is how many packets a trace with o can capture at most: each
// probe it may send and up to two packets its filter lets through for it
// (an answer; for a TCP probe, the SYN-ACK and the RST this host's kernel
// sends back, which has the probe's addresses and ports). A capture ring
// that holds them all cannot drop one of them, however late the reader
// runs; it is far smaller than a ring sized for the highest rate (30 hops
// x 3 queries: 270 packets, 200 KiB with the slack instead of 8 MiB), and
// its set-up and teardown cost less (see capture.RingBytes).
func ringPackets(o trace.Options) int {
	first, queries := o.FirstHop, o.Queries
	if first <= 0 {
		first = 1
	}
	if queries <= 0 {
		queries = trace.DefaultQueries
	}
	hops := o.MaxHopsOr() - first + 1
	if hops < 1 {
		hops = 1
	}
	return 3 * hops * queries
}

// family is 4 or 6, the family of a.
func family(a netip.Addr) int {
	if a.Is4() {
		return 4
	}
	return 6
}

// Live traces a host on the network and writes the hops to out as they
// complete (text) or the whole trace at the end (json).
func Live(ctx context.Context, o Options, out io.Writer) error {
	if err := o.Check(); err != nil {
		return err
	}
	stderr := o.Stderr
	if stderr == nil {
		stderr = io.Discard
	}
	dst, err := capture.Resolve(ctx, o.Host, o.Family)
	if err != nil {
		return err
	}
	if err := capture.CheckTarget(dst); err != nil {
		return err
	}
	var src netip.Addr
	if o.Source != "" {
		if src, err = netip.ParseAddr(o.Source); err != nil || family(src) != family(dst) || src.Is4In6() {
			return fmt.Errorf("source %q is not an IPv%d address", o.Source, family(dst))
		}
	}
	rt, err := capture.RouteTo(dst, o.Iface, src)
	if err != nil {
		return err
	}
	o.Src, o.Dst, o.OnLink = rt.Src, dst, rt.OnLink
	if o.ID == 0 {
		o.ID = uint16(os.Getpid())
	}
	if o.Payload == 0 {
		o.Payload = craft.DefaultPayload
	}
	if err := o.Options.Check(); err != nil {
		return err
	}
	prober, err := newProber(&o, os.Getpid())
	if err != nil {
		return err
	}
	expr := prober.Filter()
	opened := make(chan openedLive, 1)
	go func() {
		l, err := capture.OpenLiveSize(rt.Iface, expr, capture.RingBytes(ringPackets(o.Options)))
		opened <- openedLive{l, err}
	}()
	w := &liveWire{opened: opened}
	// Ctrl-C or SIGTERM from here on ends the trace with what it found and
	// a complete capture file; before, it ends a process that has captured
	// nothing. Set up here, while the capture opens, rather than first
	// thing: that took 0.5 ms of the way to the first probe.
	ctx, stopSignals := Interruptible(ctx)
	// Closing the capture socket waits in the kernel for RCU grace periods
	// (packet_release; 0.4-2.2 ms here, in a build with timestamps around
	// a synchronous close). A process about to exit leaves it to the exit,
	// which internal/linger takes off the way to the shell; otherwise the
	// close runs in the background: the trace is printed by then. So do
	// the signal handling (signal.Stop waits for the runtime's signal
	// goroutine: 0.2-0.5 ms) and the raw socket: whole zero-delay runs
	// 25.55/25.29 -> 24.49/24.12 ms, 3 ms less CPU (bench-startup.sh
	// --runs 150, two rounds in turns, 2026-12-02).
	defer func() {
		if o.Exiting {
			return
		}
		stopSignals()
		if l, _ := w.live(); l != nil {
			go l.Close()
		}
	}()
	sendIface := o.Iface
	if dst.Zone() != "" {
		sendIface = rt.Iface // a link-local destination leaves through its zone
	}
	if w.s, err = capture.NewSender(sendIface, family(dst)); err != nil {
		return err
	}
	defer func() {
		if !o.Exiting {
			w.s.Close()
		}
	}()

	var wr *capture.Writer
	if o.Write != "" {
		// The file's header needs the capture's link type: a run that
		// writes waits for the capture here, so that a file it cannot
		// create stops it before anything is printed.
		l, err := w.live()
		if err != nil {
			return err
		}
		wr, err = capture.Create(o.Write, l.LinkType(), capture.Meta{
			Application: o.App, Comment: o.Command, Iface: rt.Iface, Filter: expr,
		})
		if err != nil {
			return err
		}
	}
	var writeErr error
	o.OnPacket = func(p analyze.Packet) {
		if wr != nil && writeErr == nil {
			writeErr = wr.Write(p)
		}
	}
	var nm namer
	if !o.Numeric {
		nm = capture.NewNames(500 * time.Millisecond)
	}
	o.Stderr = stderr
	res, runErr, outErr := traceTo(ctx, w, o, nm, out)
	switch {
	case res == nil || res.GapSilent == 0:
	case res.GapAfter == 0:
		fmt.Fprintf(stderr, "tracers: stopped after %d silent hops, none answering (--gap-limit %d; --gap-limit 0 probes on to --max-hops)\n",
			res.GapSilent, res.GapSilent)
	default:
		fmt.Fprintf(stderr, "tracers: stopped after %d silent hops past hop %d (--gap-limit %d; --gap-limit 0 probes on to --max-hops)\n",
			res.GapSilent, res.GapAfter, res.GapSilent)
	}
	if l, _ := w.live(); l == nil {
		// The capture never opened: its error is runErr.
	} else if st, err := l.Stats(); err == nil && (st.Dropped > 0 || st.IfDropped > 0) {
		fmt.Fprintf(stderr, "tracers: warning: capture dropped %d packets (%d by the interface)\n", st.Dropped, st.IfDropped)
	}
	if wr != nil {
		if err := wr.Close(); err != nil && writeErr == nil {
			writeErr = err
		}
	}
	if errors.Is(runErr, context.Canceled) {
		runErr = interrupted{context.Cause(ctx)}
	}
	return errors.Join(runErr, writeErr, outErr)
}

// Interruptible is ctx, done when the process is interrupted (Ctrl-C),
// asked to terminate (SIGTERM) or loses its terminal (SIGHUP: an ssh
// session gone), until stop is called: each ends a run with what it found
// and a complete capture file. context.Cause then gives the Signal.
func Interruptible(ctx context.Context) (_ context.Context, stop context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		select {
		case s := <-ch:
			sig, _ := s.(syscall.Signal)
			cancel(Signal{sig})
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel(nil)
	}
}

// Signal is the cause of a context Interruptible ended: the signal that
// came. An error that wraps it exits as a shell reports a process the
// signal ended: 128 + its number.
type Signal struct{ syscall.Signal }

func (s Signal) Error() string { return s.Signal.String() }

// Is makes a Signal a context.Canceled too.
func (s Signal) Is(target error) bool { return target == context.Canceled }

// interrupted is a run ended by a signal (cause, a Signal) or a
// cancelled context.
type interrupted struct{ cause error }

func (interrupted) Error() string   { return "interrupted" }
func (e interrupted) Unwrap() error { return e.cause }

// newProber completes o.Method for the run of process pid (echo
// identifier o.ID, payload o.Payload, a source port from pid when the
// method has ports and none was given), builds its craft.Prober and hands
// it to the engine (o.Prober). o.Src and o.Dst must be set.
func newProber(o *Options, pid int) (*craft.Prober, error) {
	m := o.Method
	m.ID, m.Payload = o.ID, o.Payload
	if m.SrcPort == 0 {
		m.SrcPort = SourcePort(pid)
	}
	if m.Proto == analyze.TCP {
		m.Payload = 0 // a SYN carries none
	}
	p, err := craft.NewProber(m, o.Src, o.Dst)
	if err != nil {
		return nil, err
	}
	o.Options.Prober = p
	done := p.Method()
	o.method, o.pktLen = &done, p.Len()
	return p, nil
}

// SourcePort is the UDP or TCP source port of a run by process pid when
// none is given: in 32768..57343, Linux's ephemeral range, from the pid as
// the echo identifier is, so that two runs at once use two ports; below
// 57344 so that UDP to one port (-U), whose probes count up from it, stays
// clear of 65535.
func SourcePort(pid int) uint16 {
	return uint16(32768 + pid%24576)
}
