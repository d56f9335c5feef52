package replay

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/report"
)

// PacketOptions are the settings of `tracers replay --packets`.
type PacketOptions struct {
	File   string   // "-" for standard input
	Filter string   // BPF expression packets must match, as tcpdump -r applies it
	Format string   // "text" (the default) or "fields"
	Fields []string // for "fields": tshark field names, see report.FieldNames
}

// Packets lists the packets of o.File into out, one line per packet.
//
// Format "text" is a packet list with what the analyzer made of each packet
// (see report.PacketWriter). Format "fields" prints exactly what
// `tshark -r FILE -T fields -e F ...` (Wireshark 4.0) prints (see
// report.FieldWriter). With o.Filter, packets that do not match are left
// out, as `tshark -Y` leaves them out: frame numbers and times stay those
// of the file, and the analyzer sees only the packets that match, as in Run.
//
// Lines written before a read error stay written; the error says where.
func Packets(ctx context.Context, o PacketOptions, out io.Writer) error {
	bw := bufio.NewWriter(out)
	var write func(report.Frame, analyze.Packet) error
	var an *analyze.Analyzer
	switch o.Format {
	case "", "text":
		pw := report.NewPacketWriter(bw)
		// Finished traces are dropped (the view needs each packet's
		// verdict only as it goes), so that memory follows the probes in
		// flight, not the file.
		an = analyze.New(analyze.Options{OnTrace: pw.Forget})
		write = func(fr report.Frame, p analyze.Packet) error { return pw.Write(fr, an.Add(p)) }
	case "fields":
		fw, err := report.NewFieldWriter(bw, o.Fields)
		if err != nil {
			return err
		}
		write = func(fr report.Frame, _ analyze.Packet) error { return fw.Write(fr) }
	default:
		return fmt.Errorf("unknown packet format %q (want text or fields)", o.Format)
	}
	r, filter, err := open(o.File, o.Filter)
	if err != nil {
		return err
	}
	defer r.Close()

	var first, prev time.Time
	n := 0
	readErr, outErr := each(ctx, r, func(p *analyze.Packet) error {
		n++
		if n == 1 {
			first, prev = p.Time, p.Time
		}
		fr := report.Frame{Packet: *p, Number: n, Rel: p.Time.Sub(first), Delta: p.Time.Sub(prev)}
		prev = p.Time
		if filter != nil && !filter.Match(*p) {
			if an != nil {
				an.Skip()
			}
			return nil
		}
		return write(fr, *p)
	})
	if err := bw.Flush(); outErr == nil {
		outErr = err
	}
	return errors.Join(readErr, outErr)
}
