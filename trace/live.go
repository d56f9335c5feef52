package trace

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"time"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/capture"
	"github.com/tracers/tracers/craft"
	"github.com/tracers/tracers/report"
)

// LiveOptions are the settings of `tracers run`.
type LiveOptions struct {
	Options
	Host    string
	Iface   string
	Source  string
	Numeric bool   // no reverse DNS
	Format  string // text or json
	Explain bool   // explain each hop in words; hops then print when the trace ends
	Write   string // pcap or pcapng file to save every captured packet in
	App     string // written into pcapng files, e.g. "tracers 0.1.0"
	Command string // the command line, written into pcapng files
	Stderr  io.Writer
}

// liveWire joins the raw sender and the live capture.
type liveWire struct {
	s *capture.Sender
	l *capture.Live
}

func (w liveWire) Send(pkt []byte) error { return w.s.Send(pkt) }
func (w liveWire) Next(ctx context.Context, d time.Time) (analyze.Packet, bool, error) {
	return w.l.Next(ctx, d)
}
func (w liveWire) Now() time.Time { return time.Now() }

// Filter is the BPF expression that lets through only this run's packets:
// its Echo Requests, the Echo Replies, and ICMP errors that quote them. In
// an ICMP error the quoted IPv4 header starts at icmp[8] (RFC 792): its
// protocol is icmp[17], and the quoted ICMP header follows the quoted IHL.
func Filter(src, dst netip.Addr, id uint16) string {
	q := "icmp[8 + ((icmp[8] & 15) << 2)"
	return fmt.Sprintf("icmp and ("+
		"(src host %s and dst host %s and icmp[0] = 8 and icmp[4:2] = %d) or "+
		"(src host %s and dst host %s and icmp[0] = 0 and icmp[4:2] = %d) or "+
		"(dst host %s and (icmp[0] = 3 or icmp[0] = 11 or icmp[0] = 12) and "+
		"icmp[17] = 1 and icmp[20:4] = %d and icmp[24:4] = %d and %s] = 8 and %s + 4:2] = %d))",
		src, dst, id, dst, src, id, src, be32(src), be32(dst), q, q, id)
}

func be32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// Live traces a host on the network and writes the hops to out as they
// complete (text) or the whole trace at the end (json).
func Live(ctx context.Context, o LiveOptions, out io.Writer) error {
	if err := o.Check(); err != nil {
		return err
	}
	if o.Format != "text" && o.Format != "json" {
		return fmt.Errorf("unknown format %q (want text or json)", o.Format)
	}
	stderr := o.Stderr
	if stderr == nil {
		stderr = io.Discard
	}
	dst, err := capture.Resolve(ctx, o.Host, 0)
	if err != nil {
		return err
	}
	if !dst.Is4() {
		return fmt.Errorf("%s is not an IPv4 address (only IPv4 is traced for now)", o.Host)
	}
	var src netip.Addr
	if o.Source != "" {
		if src, err = netip.ParseAddr(o.Source); err != nil || !src.Is4() {
			return fmt.Errorf("source %q is not an IPv4 address", o.Source)
		}
	}
	rt, err := capture.RouteTo(dst, o.Iface, src)
	if err != nil {
		return err
	}
	o.Src, o.Dst = rt.Src, dst
	if o.ID == 0 {
		o.ID = uint16(os.Getpid())
	}
	if o.Payload == 0 {
		o.Payload = craft.DefaultPayload
	}
	snd, err := capture.NewSender(o.Iface, 4)
	if err != nil {
		return err
	}
	defer snd.Close()
	filter := Filter(o.Src, o.Dst, o.ID)
	live, err := capture.OpenLive(rt.Iface, filter)
	if err != nil {
		return err
	}
	// Closing waits for libpcap's poll timeout; the trace is printed by
	// then, so let it finish in the background rather than hold up exit.
	defer func() { go live.Close() }()

	var wr *capture.Writer
	if o.Write != "" {
		wr, err = capture.Create(o.Write, live.LinkType(), capture.Meta{
			Application: o.App, Comment: o.Command, Iface: rt.Iface, Filter: filter,
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

	ro := report.Options{StopAtEnd: true, Explain: o.Explain}
	var nm *capture.Names
	if !o.Numeric {
		nm = capture.NewNames(500 * time.Millisecond)
		ro.Names = func(a netip.Addr) string { return nm.Get(a) }
	}
	var hops chan analyze.Hop
	printed := make(chan struct{})
	if o.Format == "text" {
		name := o.Host
		if name == dst.String() {
			name = ""
		}
		report.Header(out, dst, name, o.MaxHopsOr(), 20+8+o.Payload)
	}
	if o.Format == "text" && o.Explain {
		// An explanation looks at later hops: print them all at the end.
		close(printed)
	} else if o.Format == "text" {
		// Hops are printed by their own goroutine, so that a slow name
		// lookup or terminal never holds up the engine.
		hops = make(chan analyze.Hop, 256)
		go func() {
			defer close(printed)
			for h := range hops {
				report.Hop(out, h, ro)
			}
		}()
		o.OnHop = func(h analyze.Hop) {
			if nm != nil {
				for _, a := range h.Responders() {
					nm.Start(a)
				}
			}
			hops <- cloneHop(h)
		}
	}
	res, runErr := Run(ctx, liveWire{snd, live}, o.Options)
	if hops != nil {
		close(hops)
		<-printed
	}
	var outErr error
	if res != nil && o.Format == "text" && o.Explain {
		if nm != nil {
			for _, p := range res.Trace.Probes {
				if p.Reply != nil {
					nm.Start(p.Reply.From)
				}
			}
		}
		outErr = report.Hops(out, res.Trace, ro)
	}
	if st, err := live.Stats(); err == nil && (st.Dropped > 0 || st.IfDropped > 0) {
		fmt.Fprintf(stderr, "tracers: warning: capture dropped %d packets (%d by the interface)\n", st.Dropped, st.IfDropped)
	}
	if res != nil && o.Format == "json" {
		outErr = report.JSON(out, []*analyze.Trace{res.Trace}, ro)
	}
	if wr != nil {
		if err := wr.Close(); err != nil && writeErr == nil {
			writeErr = err
		}
	}
	if errors.Is(runErr, context.Canceled) {
		runErr = errors.New("interrupted")
	}
	return errors.Join(runErr, writeErr, outErr)
}

// cloneHop copies a hop and its probes, so that the printer reads a
// snapshot while the engine goes on matching late replies.
func cloneHop(h analyze.Hop) analyze.Hop {
	c := h
	c.Probes = make([]*analyze.Probe, len(h.Probes))
	for i, p := range h.Probes {
		q := *p
		if p.Reply != nil {
			r := *p.Reply
			q.Reply = &r
		}
		c.Probes[i] = &q
	}
	return c
}

// MaxHopsOr is MaxHops or its default.
func (o *Options) MaxHopsOr() int {
	if o.MaxHops > 0 {
		return o.MaxHops
	}
	return DefaultMaxHops
}
