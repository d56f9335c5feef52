package report

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/tracers/tracers/analyze"
)

// Frame is one packet of a capture file as a packet list shows it.
type Frame struct {
	analyze.Packet
	Number int           // 1-based position in the file (frame.number)
	Rel    time.Duration // since the file's first packet (frame.time_relative)
	Delta  time.Duration // since the file's previous packet (frame.time_delta)
}

// field is one tshark field FieldWriter can print.
type field uint8

const (
	fFrameNumber field = iota
	fFrameTimeRelative
	fFrameTimeDelta
	fFrameTimeEpoch
	fFrameLen
	fFrameCapLen
	fIPSrc
	fIPDst
	fIPTTL
	fIPID
	fIPProto
	fICMPType
	fICMPCode
	fICMPIdent
	fICMPIdentLE
	fICMPSeq
	fICMPSeqLE
	fUDPSrcPort
	fUDPDstPort
	fTCPSrcPort
	fTCPDstPort
	numFields
)

func (f field) String() string {
	switch f {
	case fFrameNumber:
		return "frame.number"
	case fFrameTimeRelative:
		return "frame.time_relative"
	case fFrameTimeDelta:
		return "frame.time_delta"
	case fFrameTimeEpoch:
		return "frame.time_epoch"
	case fFrameLen:
		return "frame.len"
	case fFrameCapLen:
		return "frame.cap_len"
	case fIPSrc:
		return "ip.src"
	case fIPDst:
		return "ip.dst"
	case fIPTTL:
		return "ip.ttl"
	case fIPID:
		return "ip.id"
	case fIPProto:
		return "ip.proto"
	case fICMPType:
		return "icmp.type"
	case fICMPCode:
		return "icmp.code"
	case fICMPIdent:
		return "icmp.ident"
	case fICMPIdentLE:
		return "icmp.ident_le"
	case fICMPSeq:
		return "icmp.seq"
	case fICMPSeqLE:
		return "icmp.seq_le"
	case fUDPSrcPort:
		return "udp.srcport"
	case fUDPDstPort:
		return "udp.dstport"
	case fTCPSrcPort:
		return "tcp.srcport"
	case fTCPDstPort:
		return "tcp.dstport"
	}
	return "field(" + strconv.Itoa(int(f)) + ")"
}

// FieldNames lists the tshark fields FieldWriter prints, in a fixed order.
func FieldNames() []string {
	out := make([]string, numFields)
	for f := range numFields {
		out[f] = f.String()
	}
	return out
}

// errNoFields is NewFieldWriter's answer to an empty field list, worded as
// tshark's.
var errNoFields = errors.New(`"-T fields" was specified, but no fields were specified with "-e"`)

// FieldWriter writes what `tshark -r FILE -T fields -e F1 -e F2 ...`
// (Wireshark 4.0) prints: a line per frame, the fields tab-separated, a
// field that occurs several times in a frame (the IPv4 header of an ICMP
// error and the one it quotes) comma-separated, a field the frame lacks
// empty. Like tshark, it fills only the last column of a field named twice.
type FieldWriter struct {
	w    io.Writer
	cols []field
	skip []bool // a column whose field is named again later
	buf  []byte
	lay  analyze.Layers
}

// NewFieldWriter returns a FieldWriter printing names, which must be among
// FieldNames. Write allocates nothing once its line buffer has grown.
func NewFieldWriter(w io.Writer, names []string) (*FieldWriter, error) {
	if len(names) == 0 {
		return nil, errNoFields
	}
	fw := &FieldWriter{w: w, cols: make([]field, len(names)), skip: make([]bool, len(names))}
	var bad []string
	for i, n := range names {
		f, ok := parseField(n)
		if !ok {
			bad = append(bad, strconv.Quote(n))
			continue
		}
		fw.cols[i] = f
		for j := range i {
			if fw.cols[j] == f && names[j] == n {
				fw.skip[j] = true
			}
		}
	}
	if bad != nil {
		return nil, fmt.Errorf("unknown field %s (tracers prints %s)", strings.Join(bad, ", "), strings.Join(FieldNames(), ", "))
	}
	return fw, nil
}

func parseField(name string) (field, bool) {
	for f := range numFields {
		if f.String() == name {
			return f, true
		}
	}
	return 0, false
}

// Write prints fr's line.
func (fw *FieldWriter) Write(fr Frame) error {
	analyze.Dissect(fr.Link, fr.Data, &fw.lay)
	b := fw.buf[:0]
	for i, f := range fw.cols {
		if i > 0 {
			b = append(b, '\t')
		}
		if !fw.skip[i] {
			b = fw.appendField(b, f, &fr)
		}
	}
	b = append(b, '\n')
	fw.buf = b
	_, err := fw.w.Write(b)
	return err
}

func (fw *FieldWriter) appendField(b []byte, f field, fr *Frame) []byte {
	switch f {
	case fFrameNumber:
		return strconv.AppendInt(b, int64(fr.Number), 10)
	case fFrameTimeRelative:
		return appendSeconds(b, fr.Rel)
	case fFrameTimeDelta:
		return appendSeconds(b, fr.Delta)
	case fFrameTimeEpoch:
		return appendSeconds(b, time.Duration(fr.Time.Unix())*time.Second+time.Duration(fr.Time.Nanosecond()))
	case fFrameLen:
		return strconv.AppendInt(b, int64(max(fr.Len, len(fr.Data))), 10)
	case fFrameCapLen:
		return strconv.AppendInt(b, int64(len(fr.Data)), 10)
	}
	n := 0
	for i := range fw.lay.Headers() {
		h := &fw.lay.Hdr[i]
		start := len(b)
		if n > 0 {
			b = append(b, ',')
		}
		if b2, ok := appendHeaderField(b, f, h); ok {
			b = b2
			n++
		} else {
			b = b[:start]
		}
	}
	return b
}

// appendHeaderField appends h's value of f, when h has one.
func appendHeaderField(b []byte, f field, h *analyze.Header) ([]byte, bool) {
	ip4 := h.Kind == analyze.HdrIPv4
	icmp := h.Kind == analyze.HdrICMPv4
	switch {
	case f == fIPSrc && ip4 && h.Have&analyze.HasSrc != 0:
		return appendAddr(b, h.Src), true
	case f == fIPDst && ip4 && h.Have&analyze.HasDst != 0:
		return appendAddr(b, h.Dst), true
	case f == fIPTTL && ip4 && h.Have&analyze.HasTTL != 0:
		return strconv.AppendUint(b, uint64(h.TTL), 10), true
	case f == fIPID && ip4 && h.Have&analyze.HasID != 0:
		return appendHex16(b, h.ID), true
	case f == fIPProto && ip4 && h.Have&analyze.HasProto != 0:
		return strconv.AppendUint(b, uint64(h.Proto), 10), true
	case f == fICMPType && icmp:
		return strconv.AppendUint(b, uint64(h.Type), 10), true
	case f == fICMPCode && icmp:
		return strconv.AppendUint(b, uint64(h.Code), 10), true
	case f == fICMPIdent && icmp && h.Have&analyze.HasIdent != 0:
		return strconv.AppendUint(b, uint64(h.Ident), 10), true
	case f == fICMPIdentLE && icmp && h.Have&analyze.HasIdent != 0:
		return strconv.AppendUint(b, uint64(swap16(h.Ident)), 10), true
	case f == fICMPSeq && icmp && h.Have&analyze.HasSeq != 0:
		return strconv.AppendUint(b, uint64(h.Seq), 10), true
	case f == fICMPSeqLE && icmp && h.Have&analyze.HasSeq != 0:
		return strconv.AppendUint(b, uint64(swap16(h.Seq)), 10), true
	case (f == fUDPSrcPort && h.Kind == analyze.HdrUDP) || (f == fTCPSrcPort && h.Kind == analyze.HdrTCP):
		return strconv.AppendUint(b, uint64(h.SrcPort), 10), true
	case (f == fUDPDstPort && h.Kind == analyze.HdrUDP) || (f == fTCPDstPort && h.Kind == analyze.HdrTCP):
		return strconv.AppendUint(b, uint64(h.DstPort), 10), true
	}
	return b, false
}

func swap16(v uint16) uint16 { return v<<8 | v>>8 }

// appendSeconds appends d as Wireshark prints a relative time: seconds with
// nine decimals, "-" before a negative one.
func appendSeconds(b []byte, d time.Duration) []byte {
	if d < 0 {
		b = append(b, '-')
		d = -d
	}
	b = strconv.AppendInt(b, int64(d/time.Second), 10)
	b = append(b, '.')
	ns := int64(d % time.Second)
	for div := int64(100000000); div > 0; div /= 10 {
		b = append(b, byte('0'+ns/div%10))
	}
	return b
}

// appendHex16 appends v as Wireshark's BASE_HEX shows a uint16: "0x002a".
func appendHex16(b []byte, v uint16) []byte {
	const digits = "0123456789abcdef"
	return append(b, '0', 'x', digits[v>>12], digits[v>>8&0xf], digits[v>>4&0xf], digits[v&0xf])
}

// appendAddr appends a without allocating.
func appendAddr(b []byte, a netip.Addr) []byte {
	if a.Is4() {
		v := a.As4()
		for i, x := range v {
			if i > 0 {
				b = append(b, '.')
			}
			b = strconv.AppendUint(b, uint64(x), 10)
		}
		return b
	}
	return a.AppendTo(b)
}
