package capture

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/tracers/tracers/packet"
)

// MaxPacket bounds the bytes kept of one packet read from a file; a length
// field above it is damage, never an allocation.
const MaxPacket = 262144

// Reader reads packets from a pcap or pcapng file.
type Reader struct {
	name  string
	f     io.Closer
	br    *bufio.Reader
	cnt   *counter
	pcap  *pcapgo.Reader
	ng    *pcapgo.NgReader
	link  layers.LinkType
	n     int   // packets read
	off   int64 // byte offset of the next pcap record
	ngBig bool
	// ngAlloc makes pcapng reads allocate each packet: pcapgo's zero-copy
	// read sizes its buffer by the interface's snaplen, which checkNg
	// bounds only for the interfaces it saw ahead of a packet.
	ngAlloc bool
	// binExp holds, per pcapng interface, the exponent k of a binary
	// timestamp resolution (if_tsresol 2^-k), 0 for a decimal one, -1 not
	// looked up yet (binaryTime).
	binExp []int8
}

type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// FileError says where in which file reading failed.
type FileError struct {
	Name   string
	Packet int   // 1-based number of the packet that could not be read, 0 for the header
	Offset int64 // byte offset where it starts
	Err    error
}

func (e *FileError) Error() string {
	if e.Packet == 0 {
		return fmt.Sprintf("%s: %v", e.Name, e.Err)
	}
	return fmt.Sprintf("%s: packet %d at byte offset %d: %v", e.Name, e.Packet, e.Offset, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

var (
	errNotCapture = errors.New("not a pcap or pcapng file")
	errEmpty      = errors.New("empty file")
	errTruncated  = errors.New("file ends in the middle of a packet")
)

// OpenFile opens a capture file; "-" reads standard input.
func OpenFile(name string) (*Reader, error) {
	return OpenFileContext(context.Background(), name)
}

// OpenFileContext is OpenFile where a read of standard input ("-") that
// waits for data, from a pipe or a socket, ends once ctx is done (its
// error is then os.ErrDeadlineExceeded); Close gives standard input back
// as it was and leaves it open.
func OpenFileContext(ctx context.Context, name string) (*Reader, error) {
	var rc io.ReadCloser = nopCloser{os.Stdin}
	if name == "-" {
		rc = stdin(ctx)
	} else {
		f, err := os.Open(name)
		if err != nil {
			// os.Open's *PathError already names the file.
			return nil, err
		}
		rc = f
	}
	r, err := NewReader(name, rc)
	if err != nil {
		rc.Close()
		return nil, err
	}
	r.f = rc
	return r, nil
}

// NewReader reads a capture from r; name is used in errors.
func NewReader(name string, r io.Reader) (*Reader, error) {
	cnt := &counter{r: r}
	rd := &Reader{name: name, cnt: cnt, br: bufio.NewReaderSize(cnt, 1<<20)}
	magic, err := rd.br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, &FileError{Name: name, Err: err} // a directory, an I/O error
	}
	if len(magic) == 0 {
		return nil, &FileError{Name: name, Err: errEmpty}
	}
	if err != nil {
		return nil, &FileError{Name: name, Err: errNotCapture}
	}
	switch binary.LittleEndian.Uint32(magic) {
	case 0x0A0D0D0A:
		if err := rd.checkNg(); err != nil && !errors.Is(err, io.EOF) { // io.EOF: no packets
			return nil, err
		}
		ng, err := pcapgo.NewNgReader(rd.br, pcapgo.NgReaderOptions{WantMixedLinkType: true, SkipUnknownVersion: true})
		if err != nil {
			return nil, &FileError{Name: name, Err: fmt.Errorf("pcapng: %w", err)}
		}
		rd.ng = ng
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		p, err := pcapgo.NewReader(rd.br)
		if err != nil {
			return nil, &FileError{Name: name, Err: fmt.Errorf("pcap header: %w", unexpected(err))}
		}
		p.SetSnaplen(MaxPacket)
		rd.pcap, rd.link, rd.off = p, p.LinkType(), 24
	default:
		return nil, &FileError{Name: name, Err: errNotCapture}
	}
	return rd, nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errTruncated
	}
	return err
}

// Next returns the next packet, or io.EOF at the clean end of the file. The
// packet's bytes are valid until the next call.
func (r *Reader) Next() (packet.Packet, error) {
	var p packet.Packet
	err := r.Read(&p)
	return p, err
}

// Read is Next filling *p, which saves copying the packet on the hot path
// of a replay.
func (r *Reader) Read(p *packet.Packet) error {
	if r.pcap != nil {
		pos := r.cnt.n - int64(r.br.Buffered())
		data, ci, err := r.pcap.ZeroCopyReadPacketData()
		if err != nil {
			if err == io.EOF && r.cnt.n-int64(r.br.Buffered()) == pos {
				return io.EOF
			}
			return &FileError{Name: r.name, Packet: r.n + 1, Offset: r.off, Err: unexpected(err)}
		}
		r.n++
		r.off += 16 + int64(ci.CaptureLength)
		p.Time, p.Link, p.Data, p.Len = ci.Timestamp, r.link, data, ci.Length
		return nil
	}
	off := r.cnt.n - int64(r.br.Buffered())
	if err := r.checkNg(); err != nil {
		if errors.Is(err, io.EOF) {
			return io.EOF
		}
		return err
	}
	data, ci, err := r.readNg()
	if err != nil {
		if errors.Is(err, io.EOF) && r.cnt.n-int64(r.br.Buffered()) == off {
			return io.EOF
		}
		return &FileError{Name: r.name, Packet: r.n + 1, Offset: off, Err: unexpected(err)}
	}
	r.n++
	link := layers.LinkTypeEthernet
	if len(ci.AncillaryData) > 0 {
		if lt, ok := ci.AncillaryData[0].(layers.LinkType); ok {
			link = lt
		}
	}
	p.Time, p.Link, p.Data, p.Len = r.binaryTime(ci), link, data, ci.Length
	return nil
}

// binaryTime is ci's timestamp with the fraction of its second right for
// an interface whose if_tsresol is binary (2^-k seconds per tick): pcapgo
// scales the ticks by the integer 1e9/2^k (953 for 2^-20, for 953.67),
// which puts a timestamp up to 0.07 % of a second early; the ticks are
// recovered and scaled exactly.
func (r *Reader) binaryTime(ci gopacket.CaptureInfo) time.Time {
	i := ci.InterfaceIndex
	for len(r.binExp) <= i {
		r.binExp = append(r.binExp, -1)
	}
	if r.binExp[i] < 0 {
		r.binExp[i] = 0
		if intf, err := r.ng.Interface(i); err == nil && intf.TimestampResolution.Binary() && intf.TimestampResolution.Exponent() < 30 {
			r.binExp[i] = int8(intf.TimestampResolution.Exponent())
		}
	}
	k := r.binExp[i]
	if k == 0 || 1e9%(uint64(1)<<k) == 0 {
		return ci.Timestamp
	}
	scale := uint64(1e9) >> k // pcapgo's integer 1e9 / 2^k
	ticks := uint64(ci.Timestamp.Nanosecond()) / scale
	ns := ticks * 1e9 >> k
	t := ci.Timestamp
	return t.Add(time.Duration(int64(ns) - int64(t.Nanosecond())))
}

// readNg is r.ng.ZeroCopyReadPacketData with pcapgo's panics on damaged
// input turned into errors: an if_tsresol of 2^-64 or 10^-64 divides by
// zero. The data is valid until the next call; it is read into a buffer
// pcapgo reuses, unless an interface's snaplen could make that buffer
// absurd (ngAlloc), when each packet is allocated instead.
func (r *Reader) readNg() (data []byte, ci gopacket.CaptureInfo, err error) {
	defer func() {
		if v := recover(); v != nil {
			data, err = nil, fmt.Errorf("pcapng: %v", v)
		}
	}()
	if r.ngAlloc {
		return r.ng.ReadPacketData()
	}
	return r.ng.ZeroCopyReadPacketData()
}

// checkNg walks the pcapng blocks ahead, up to the next packet block, and
// rejects lengths that cannot be right before pcapgo allocates for them.
// It returns io.EOF when only whole non-packet blocks are left.
func (r *Reader) checkNg() error {
	off := r.cnt.n - int64(r.br.Buffered())
	for pos := 0; ; {
		h, err := r.br.Peek(pos + 8)
		if err != nil {
			if len(h) == pos && errors.Is(err, io.EOF) {
				return io.EOF
			}
			if len(h) < pos+8 {
				return &FileError{Name: r.name, Packet: r.n + 1, Offset: off + int64(pos), Err: errors.New("truncated pcapng block header")}
			}
			// A block larger than the look-ahead: let pcapgo read it,
			// and what follows it unchecked.
			r.ngAlloc = true
			return nil
		}
		typ := binary.LittleEndian.Uint32(h[pos:])
		var order binary.ByteOrder = binary.LittleEndian
		if typ == 0x0A0D0D0A {
			bom, err := r.br.Peek(pos + 12)
			if err != nil {
				return &FileError{Name: r.name, Packet: r.n + 1, Offset: off + int64(pos), Err: errors.New("truncated pcapng section header")}
			}
			if binary.BigEndian.Uint32(bom[pos+8:]) == 0x1A2B3C4D {
				order = binary.BigEndian
			}
			r.ngBig = order == binary.BigEndian
		} else if r.ngBig {
			order = binary.BigEndian
			typ = order.Uint32(h[pos:])
		}
		length := int(order.Uint32(h[pos+4:]))
		bad := func(why string) error {
			return &FileError{Name: r.name, Packet: r.n + 1, Offset: off + int64(pos), Err: fmt.Errorf("pcapng block type 0x%x: %s", typ, why)}
		}
		if length < 12 || length%4 != 0 || length > 16<<20 {
			return bad(fmt.Sprintf("absurd block length %d", length))
		}
		// Peek at most the look-ahead: past it, Peek reports a full buffer
		// even when the file ends first.
		b, _ := r.br.Peek(min(pos+length, r.br.Size()))
		if len(b) < min(pos+length, r.br.Size()) {
			return bad("file ends inside the block")
		}
		if len(b) < pos+length {
			// A block larger than the look-ahead: check the lengths of a
			// packet block, which fit, and let pcapgo read it.
			if len(b) < pos+32 || (typ != 6 && typ != 2 && typ != 3) {
				r.ngAlloc = true
				return nil
			}
		}
		switch typ {
		case 6, 2: // enhanced packet, obsolete packet
			if length < 32 {
				return bad("block too short")
			}
			capLen := int(order.Uint32(b[pos+20:]))
			if capLen > MaxPacket || capLen > length-32 {
				return bad(fmt.Sprintf("absurd captured length %d", capLen))
			}
			return nil
		case 3: // simple packet
			if length < 16 {
				return bad("block too short")
			}
			// pcapgo allocates the original length when the interface
			// has no snaplen.
			if origLen := order.Uint32(b[pos+8:]); origLen > MaxPacket {
				return bad(fmt.Sprintf("absurd packet length %d", origLen))
			}
			return nil
		case 1: // interface description
			if length < 20 {
				return bad("block too short")
			}
			// pcapgo's zero-copy read allocates the snaplen.
			if snap := order.Uint32(b[pos+12:]); snap > MaxPacket {
				r.ngAlloc = true
			}
		}
		pos += length
	}
}

// Buffered reports whether the bytes of more packets are already read
// ahead, so that Next will not wait for the file (or the pipe) to give more.
func (r *Reader) Buffered() bool { return r.br.Buffered() > 0 }

// LinkType returns the link type of a pcap file's packets; ok is false
// for pcapng, whose interfaces may each have their own.
func (r *Reader) LinkType() (lt layers.LinkType, ok bool) { return r.link, r.pcap != nil }

// Count is the number of packets read so far.
func (r *Reader) Count() int { return r.n }

// Close closes the file (standard input stays open).
func (r *Reader) Close() error {
	if r.f != nil {
		return r.f.Close()
	}
	return nil
}

// nopCloser is a reader whose Close leaves it open: standard input.
type nopCloser struct{ io.Reader }

func (nopCloser) Close() error { return nil }
