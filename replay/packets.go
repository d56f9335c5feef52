package replay

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/capture"
	"github.com/tracers/tracers/report"
)

// PacketOptions are the settings of `tracers replay --packets`.
type PacketOptions struct {
	File   string   // "-" for standard input
	Filter string   // BPF expression packets must match, as tcpdump -r applies it
	Format string   // "text" (the default) or "fields"
	Fields []string // for "fields": tshark field names, see report.FieldNames
	// Warn, when set, receives warnings about the replay, as Options.Warn.
	Warn io.Writer
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
	bw := bufio.NewWriterSize(out, 64<<10)
	var fw *report.FieldWriter
	switch o.Format {
	case "", "text":
	case "fields":
		var err error
		if fw, err = report.NewFieldWriter(bw, o.Fields); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown packet format %q (want text or fields)", o.Format)
	}
	r, filter, err := open(ctx, o.File, o.Filter)
	if err != nil {
		return err
	}
	defer r.Close()

	var readErr, outErr error
	if fw != nil {
		var first, prev time.Time
		n := 0
		readErr, outErr = each(ctx, r, func(p *analyze.Packet) error {
			fr := frameOf(p, &n, &first, &prev)
			if filter != nil && !filter.Match(*p) {
				return nil
			}
			return fw.Write(fr)
		})
	} else {
		readErr, outErr = packetList(ctx, r, filter, bw, o.Warn)
	}
	if err := bw.Flush(); outErr == nil {
		outErr = err
	}
	return errors.Join(readErr, outErr)
}

// frameOf numbers p, the next packet of a file, as frame *n+1, the
// first of which was captured at *first and the one before at *prev.
func frameOf(p *analyze.Packet, n *int, first, prev *time.Time) report.Frame {
	*n++
	if *n == 1 {
		*first, *prev = p.Time, p.Time
	}
	fr := report.Frame{Packet: *p, Number: *n, Rel: p.Time.Sub(*first), Delta: p.Time.Sub(*prev)}
	*prev = p.Time
	return fr
}

// lookAhead is how many notes on packetList starts loading memory for
// (analyze.Analyzer.Ahead).
const lookAhead = 8

// packetBatch is frames read ahead of the analyzer, their bytes copied,
// then laid out.
type packetBatch struct {
	n      int
	notes  [batchSize]analyze.Note
	skip   [batchSize]bool // left out by the filter
	ends   [batchSize]int  // where frame i's text ends in text
	text   []byte          // the frames' lines but for their events
	frames [batchSize]report.Frame
	data   []byte             // the frames' bytes
	dataAt [batchSize + 1]int // frame i's bytes are data[dataAt[i]:dataAt[i+1]]
}

// frame is frame i of b with its bytes.
func (b *packetBatch) frame(i int) report.Frame {
	fr := b.frames[i]
	fr.Data = b.data[b.dataAt[i]:b.dataAt[i+1]]
	return fr
}

// batchData bounds the bytes of the frames of one batch: a batch is handed
// over when full, of frames or of bytes.
const batchData = 1 << 20

// packetList writes the packet list of r (report.PacketWriter) into out,
// leaving out what filter does not match, and returns the read error and
// the output's apart. As analyzeFile does, it shares the work between
// goroutines, three here: one reads the frames and copies their bytes
// into a batch; the next lays out each frame's line but its end
// (PacketWriter.AppendFrame); this one decodes the frames
// (analyze.Decoder, analyze.Analyzer.Prepare), analyzes them in order and
// ends each line with the analyzer's verdict (PacketWriter.AppendEvent).
// Lines come out as PacketWriter.Write would write them.
//
// Three stages, not two, to share the work evenly between two CPUs: with
// one goroutine reading, decoding and laying out, a profile of --packets
// on the 2M-packet real-traffic capture of scripts/bench-replay.sh (perf
// record, CPU time by goroutine) put 60-64 % of the CPU time on it and
// 29-33 % on the analyzer's, which idled; with these three, 20 % on the
// reader, 28 % on the layout and 47 % on the analyzer. The figure that
// keeps it: tracers replay --packets on that capture, 12 runs in turns
// with the two-goroutine code and with decoding alone moved to the
// analyzer (machine loaded, load average 3), wall time median 1.55 s
// (best 1.18 s) before, 1.37 s (0.80 s) with decoding moved, 1.24 s
// (0.81 s) with these three stages; CPU time the same within the noise
// (medians 2.14, 2.16 and 2.08 s).
func packetList(ctx context.Context, r *capture.Reader, filter *capture.Filter, out io.Writer, warn io.Writer) (readErr, outErr error) {
	pw := report.NewPacketWriter(out)
	var an *analyze.Analyzer
	// Finished traces are dropped (the view needs each packet's verdict
	// only as it goes), so that memory follows the probes in flight, not
	// the file.
	an = analyze.New(analyze.Options{OnTrace: func(t *analyze.Trace) {
		pw.Forget(t)
		an.Recycle(t)
	}})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	free := make(chan *packetBatch, batches)
	read := make(chan *packetBatch, batches)
	full := make(chan *packetBatch, batches)
	for range batches {
		free <- &packetBatch{text: make([]byte, 0, batchSize*128), data: make([]byte, 0, batchSize*128)}
	}
	go func() {
		defer close(read)
		var first, prev time.Time
		n := 0
		b := <-free
		readErr, _ = each(ctx, r, func(p *analyze.Packet) error {
			fr := frameOf(p, &n, &first, &prev)
			i := b.n
			b.skip[i] = filter != nil && !filter.Match(*p)
			if !b.skip[i] {
				b.data = append(b.data, p.Data...)
				fr.Data = nil
				b.frames[i] = fr
			}
			b.dataAt[i+1] = len(b.data)
			// As in analyzeFile: hand over a full batch, or what there
			// is when reading on would wait for more input.
			if b.n++; b.n == batchSize || len(b.data) >= batchData || !r.Buffered() {
				read <- b
				b = <-free
				b.n, b.data = 0, b.data[:0]
			}
			return nil
		})
		if b.n > 0 {
			read <- b
		}
	}()
	go func() {
		defer close(full)
		for b := range read {
			b.text = b.text[:0]
			for i := range b.n {
				if !b.skip[i] {
					b.text = pw.AppendFrame(b.text, b.frame(i))
				}
				b.ends[i] = len(b.text)
			}
			full <- b
		}
	}()
	dec := analyze.NewDecoder()
	var inf analyze.Info
	var line []byte
	for b := range full {
		for i := range b.n {
			if !b.skip[i] {
				fr := b.frame(i)
				err := dec.Decode(fr.Link, fr.Data, &inf)
				an.Prepare(&b.notes[i], fr.Time, &inf, err)
			}
		}
		start := 0
		line = line[:0]
		for i := range min(lookAhead, b.n) {
			if !b.skip[i] {
				an.Ahead(&b.notes[i])
			}
		}
		for i := range b.n {
			if j := i + lookAhead; j < b.n && !b.skip[j] {
				an.Ahead(&b.notes[j])
			}
			if b.skip[i] {
				an.Skip()
				continue
			}
			ev := an.AddNote(&b.notes[i])
			line = append(line, b.text[start:b.ends[i]]...)
			start = b.ends[i]
			line = pw.AppendEvent(line, ev)
		}
		free <- b
		if outErr == nil && len(line) > 0 {
			if _, outErr = out.Write(line); outErr != nil {
				cancel() // stop reading; drain what is read
			}
		}
	}
	if outErr != nil {
		readErr = nil // the interruption is ours
	}
	warnBound(warn, an.Stats())
	return readErr, outErr
}
