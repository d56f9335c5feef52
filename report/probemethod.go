package report

import (
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/craft"
)

// MethodProbe writes what craft knows of probe n of a run of method m
// (as craft.Prober.Method completes it) from src to dst at TTL ttl, pkt as
// Prober.Build made it: a title line naming the method and where it puts
// the probe's identity, every header field as a table, the pseudo-header
// the UDP, TCP or ICMPv6 checksum covers, a hex dump and the checksums as
// gopacket wrote them and as craft's RFC 1071 code computes them, as Probe
// shows ICMP Echo probes. written names the file the probe was saved to,
// or is "".
func MethodProbe(out io.Writer, m craft.Method, src, dst netip.Addr, ttl uint8, n int, pkt []byte, written string) error {
	fields, pseudo, checks, err := probeParts(pkt)
	if err != nil {
		return err
	}
	v6 := dst.Is6()
	hops := "TTL"
	if v6 {
		hops = "hop limit"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "probe %v -> %v, %s %d, %s probe %d: %s: %d bytes (crafted, not sent)\n\n",
		src, dst, hops, ttl, m, n, methodIdentity(m, v6), len(pkt))

	fieldTable(&b, fields)
	b.WriteString("(offset: bytes from the start of the packet; .n: bit n of that byte, 0 the most significant)\n\n")
	if len(pseudo) > 0 {
		what, rfc := "UDP datagram", "RFC 768"
		switch {
		case m.Proto == analyze.TCP:
			what, rfc = "TCP segment", "RFC 9293 section 3.1"
		case m.Proto == analyze.ICMP:
			what = "ICMPv6 message"
		}
		if v6 {
			rfc = "RFC 8200 section 8.1"
		}
		fmt.Fprintf(&b, "pseudo-header (%s): summed before the %s into its checksum, never sent:\n", rfc, what)
		fieldTable(&b, pseudo)
		b.WriteString("(offset: bytes from the start of the pseudo-header)\n\n")
	}

	fmt.Fprintf(&b, "hex dump, %d bytes:\n", len(pkt))
	b.WriteString(hex.Dump(pkt))

	if len(pseudo) > 0 {
		fmt.Fprintf(&b, "\nchecksums (RFC 1071; craft.Checksum over the covered bytes, the pseudo-header summed first where there is one, the field zeroed):\n")
	} else {
		b.WriteString("\nchecksums (RFC 1071; craft.Checksum over the covered bytes with the field zeroed):\n")
	}
	writeChecks(&b, checks, written, v6)
	_, err = io.WriteString(out, b.String())
	return err
}

// methodIdentity says in a few words what m keeps constant and where the
// probe's identity goes (see craft.Method).
func methodIdentity(m craft.Method, v6 bool) string {
	ipid := " and the IP ID"
	if v6 {
		ipid = ""
	}
	switch {
	case m.Proto == analyze.TCP:
		return fmt.Sprintf("TCP SYN %d -> %d, identity in the sequence number%s", m.SrcPort, m.Port, ipid)
	case m.Proto == analyze.UDP && m.Paris:
		return fmt.Sprintf("UDP %d -> %d for the whole run, identity in the UDP checksum%s", m.SrcPort, m.Port, ipid)
	case m.Proto == analyze.UDP && m.Fixed:
		return fmt.Sprintf("UDP from %d + n -> %d, identity in the source port", m.SrcPort, m.Port)
	case m.Proto == analyze.UDP:
		return fmt.Sprintf("UDP %d -> %d + n, identity in the destination port", m.SrcPort, m.Port)
	case m.Paris:
		return fmt.Sprintf("ICMP Echo id 0x%04x, identity in the sequence, checksum held constant", m.ID)
	}
	return fmt.Sprintf("ICMP Echo id 0x%04x, identity in the sequence", m.ID)
}

// methodProbeJSON is MethodProbeJSON's document.
type methodProbeJSON struct {
	SchemaVersion int         `json:"schema_version"` // SchemaVersion
	Method        string      `json:"method"`         // craft.Method.String()
	Probe         int         `json:"probe"`          // its number in the run
	Identity      string      `json:"identity"`       // what the method keeps constant, where the identity goes
	Src           string      `json:"src"`
	Dst           string      `json:"dst"`
	TTL           uint8       `json:"ttl"` // the hop limit for IPv6
	Length        int         `json:"length"`
	Fields        []fieldJSON `json:"fields"`
	Pseudo        []fieldJSON `json:"pseudo_header,omitempty"`
	Hex           string      `json:"hex"`
	Checksums     []checkJSON `json:"checksums"`
	Written       string      `json:"written,omitempty"`
}

// MethodProbeJSON writes what MethodProbe shows as one indented JSON
// document: the method, the probe's number and where its identity goes,
// its fields, the pseudo-header its transport checksum covers (UDP and TCP
// over either family, ICMPv6), its bytes in hex and its checksums.
func MethodProbeJSON(out io.Writer, m craft.Method, src, dst netip.Addr, ttl uint8, n int, pkt []byte, written string) error {
	fields, pseudo, checks, err := probeParts(pkt)
	if err != nil {
		return err
	}
	doc := methodProbeJSON{
		SchemaVersion: SchemaVersion, Method: m.String(), Probe: n, Identity: methodIdentity(m, dst.Is6()),
		Src: src.String(), Dst: dst.String(), TTL: ttl, Length: len(pkt), Hex: hex.EncodeToString(pkt), Written: written,
	}
	doc.Fields, doc.Pseudo, doc.Checksums = jsonParts(fields, pseudo, checks)
	return encodeJSON(out, doc)
}
