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
	fIPv6Src
	fIPv6Dst
	fIPv6HLim
	fIPv6PLen
	fIPv6Nxt
	fIPv6Flow
	fICMPv6Type
	fICMPv6Code
	fICMPv6Ident
	fICMPv6Seq
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
	case fIPv6Src:
		return "ipv6.src"
	case fIPv6Dst:
		return "ipv6.dst"
	case fIPv6HLim:
		return "ipv6.hlim"
	case fIPv6PLen:
		return "ipv6.plen"
	case fIPv6Nxt:
		return "ipv6.nxt"
	case fIPv6Flow:
		return "ipv6.flow"
	case fICMPv6Type:
		return "icmpv6.type"
	case fICMPv6Code:
		return "icmpv6.code"
	case fICMPv6Ident:
		return "icmpv6.echo.identifier"
	case fICMPv6Seq:
		return "icmpv6.echo.sequence_number"
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

// errNoFields is NewFieldWriter's answer to an empty field list.
var errNoFields = errors.New(`--format fields needs at least one field: -e FIELD (as tshark -T fields -e FIELD)`)

// FieldWriter writes what `tshark -r FILE -T fields -e F1 -e F2 ...`
// (Wireshark 4.0) prints: a line per frame, the fields tab-separated, a
// field that occurs several times in a frame (the IPv4 or IPv6 header of an
// ICMP or ICMPv6 error and the one it quotes, a tunnel's headers)
// comma-separated, outermost first, a field the frame lacks empty. Like tshark, it fills only the last column of a field named twice.
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
	switch h.Kind {
	case analyze.HdrIPv4:
		return appendIPv4Field(b, f, h)
	case analyze.HdrIPv6:
		return appendIPv6Field(b, f, h)
	case analyze.HdrICMPv4:
		return appendICMPField(b, f, h)
	case analyze.HdrICMPv6:
		return appendICMPv6Field(b, f, h)
	case analyze.HdrUDP, analyze.HdrTCP:
		udp := h.Kind == analyze.HdrUDP
		switch {
		case (f == fUDPSrcPort && udp) || (f == fTCPSrcPort && !udp):
			return strconv.AppendUint(b, uint64(h.SrcPort), 10), true
		case (f == fUDPDstPort && udp) || (f == fTCPDstPort && !udp):
			return strconv.AppendUint(b, uint64(h.DstPort), 10), true
		}
	}
	return b, false
}

// has says whether h holds the fields of bits.
func has(h *analyze.Header, bits analyze.Has) bool { return h.Have&bits == bits }

func appendIPv4Field(b []byte, f field, h *analyze.Header) ([]byte, bool) {
	switch {
	case f == fIPSrc && has(h, analyze.HasSrc):
		return appendAddr(b, h.Src), true
	case f == fIPDst && has(h, analyze.HasDst):
		return appendAddr(b, h.Dst), true
	case f == fIPTTL && has(h, analyze.HasTTL):
		return strconv.AppendUint(b, uint64(h.TTL), 10), true
	case f == fIPID && has(h, analyze.HasID):
		return appendHex16(b, h.ID), true
	case f == fIPProto && has(h, analyze.HasProto):
		return strconv.AppendUint(b, uint64(h.Proto), 10), true
	}
	return b, false
}

// appendIPv6Field appends an IPv6 field as tshark prints it: addresses as
// inet_ntop writes them, the flow label as BASE_HEX with six digits.
func appendIPv6Field(b []byte, f field, h *analyze.Header) ([]byte, bool) {
	switch {
	case f == fIPv6Src && has(h, analyze.HasSrc):
		return appendAddr(b, h.Src), true
	case f == fIPv6Dst && has(h, analyze.HasDst):
		return appendAddr(b, h.Dst), true
	case f == fIPv6HLim && has(h, analyze.HasTTL):
		return strconv.AppendUint(b, uint64(h.TTL), 10), true
	case f == fIPv6PLen && has(h, analyze.HasLength):
		return strconv.AppendUint(b, uint64(h.Length), 10), true
	case f == fIPv6Nxt && has(h, analyze.HasProto):
		return strconv.AppendUint(b, uint64(h.Proto), 10), true
	case f == fIPv6Flow && has(h, analyze.HasFlow):
		return appendHex(b, h.Flow, 6), true
	}
	return b, false
}

func appendICMPField(b []byte, f field, h *analyze.Header) ([]byte, bool) {
	switch {
	case f == fICMPType && has(h, analyze.HasType):
		return strconv.AppendUint(b, uint64(h.Type), 10), true
	case f == fICMPCode && has(h, analyze.HasCode):
		return strconv.AppendUint(b, uint64(h.Code), 10), true
	case f == fICMPIdent && has(h, analyze.HasIdent):
		return strconv.AppendUint(b, uint64(h.Ident), 10), true
	case f == fICMPIdentLE && has(h, analyze.HasIdent):
		return strconv.AppendUint(b, uint64(swap16(h.Ident)), 10), true
	case f == fICMPSeq && has(h, analyze.HasSeq):
		return strconv.AppendUint(b, uint64(h.Seq), 10), true
	case f == fICMPSeqLE && has(h, analyze.HasSeq):
		return strconv.AppendUint(b, uint64(swap16(h.Seq)), 10), true
	}
	return b, false
}

// appendICMPv6Field appends an ICMPv6 field as tshark prints it: the echo
// identifier as BASE_HEX, the sequence number in decimal.
func appendICMPv6Field(b []byte, f field, h *analyze.Header) ([]byte, bool) {
	switch {
	case f == fICMPv6Type && has(h, analyze.HasType):
		return strconv.AppendUint(b, uint64(h.Type), 10), true
	case f == fICMPv6Code && has(h, analyze.HasCode):
		return strconv.AppendUint(b, uint64(h.Code), 10), true
	case f == fICMPv6Ident && has(h, analyze.HasIdent):
		return appendHex16(b, h.Ident), true
	case f == fICMPv6Seq && has(h, analyze.HasSeq):
		return strconv.AppendUint(b, uint64(h.Seq), 10), true
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
	// Nine digits, filled from the right: a division by the constant 10
	// is a multiplication, where one by a variable power of ten was a
	// division per digit.
	b = append(b, ".000000000"...)
	ns := uint32(d % time.Second)
	for i := len(b) - 1; ns > 0; i-- {
		b[i] = byte('0' + ns%10)
		ns /= 10
	}
	return b
}

// appendHex16 appends v as Wireshark's BASE_HEX shows a uint16: "0x002a".
func appendHex16(b []byte, v uint16) []byte { return appendHex(b, uint32(v), 4) }

// appendHex appends v as "0x" and n lowercase hex digits, zero-padded.
func appendHex(b []byte, v uint32, n int) []byte {
	const digits = "0123456789abcdef"
	b = append(b, '0', 'x')
	for i := n - 1; i >= 0; i-- {
		b = append(b, digits[v>>(4*i)&0xf])
	}
	return b
}

// appendAddr appends a as Wireshark prints it, without allocating: IPv4
// dotted, IPv6 as glibc's inet_ntop writes it (RFC 5952, except that an
// IPv4-compatible address, ::a.b.c.d, keeps its dotted tail as IPv4-mapped
// ones do).
func appendAddr(b []byte, a netip.Addr) []byte {
	if a.Is4() {
		return appendDotted(b, a.As4())
	}
	if v := a.As16(); a.Is6() && a.Zone() == "" && [12]byte(v[:12]) == [12]byte{} && (v[12] != 0 || v[13] != 0) {
		return appendDotted(append(b, ':', ':'), [4]byte(v[12:]))
	}
	return a.AppendTo(b)
}

func appendDotted(b []byte, v [4]byte) []byte {
	for i, x := range v {
		if i > 0 {
			b = append(b, '.')
		}
		switch {
		case x >= 100:
			b = append(b, '0'+x/100, '0'+x/10%10, '0'+x%10)
		case x >= 10:
			b = append(b, '0'+x/10, '0'+x%10)
		default:
			b = append(b, '0'+x)
		}
	}
	return b
}
