package report

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
)

// Explain returns one or more plain sentences saying what the packets of
// hop h show and why, for a person learning how traceroute works. Every
// sentence is derived from fields of the trace model: the replies' kinds,
// ICMP types and codes, reply TTLs and RTTs, and the neighbouring hops of
// tr. An IPv6 trace's sentences speak of hop limits and ICMPv6 messages
// (RFC 4443) where an IPv4 trace's speak of TTLs and ICMP. It does not
// allocate more than the sentences.
func Explain(tr *analyze.Trace, h analyze.Hop) []string {
	var out []string
	for line := range strings.Lines(string(explain(nil, tr, h, tr.Hops()))) {
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(line, sayIndent), "\n"))
	}
	return out
}

// sayIndent starts each line of an explanation in the text format.
const sayIndent = "      "

// sayf appends one sentence of an explanation as its line of the text
// format: sayIndent, the sentence, a newline. The sentences are
// appended into the text's buffer, not made strings first (fmt.Sprintf
// and its string were a third of --explain's rendering): on the
// 2M-packet real-traffic capture of scripts/bench-replay.sh, --explain
// (replay's BenchmarkModes/explain, GOMAXPROCS=1, 6 runs interleaved
// with the strings) took 0.972 s against 1.093 s at best, 1.005 s
// against 1.500 s in the median.
func sayf(b []byte, format string, args ...any) []byte {
	b = append(b, sayIndent...)
	b = fmt.Appendf(b, format, args...)
	return append(b, '\n')
}

// say is sayf for a sentence already made, none when s is "".
func say(b []byte, s string) []byte {
	if s == "" {
		return b
	}
	b = append(b, sayIndent...)
	b = append(b, s...)
	return append(b, '\n')
}

// explain appends to b Explain's sentences for hop h of tr, one line
// each (sayf), whose hops are hops: a caller explaining every hop works
// them out once, not once per hop.
func explain(b []byte, tr *analyze.Trace, h analyze.Hop, hops []analyze.Hop) []byte {
	ttl := ttlWord(tr.Dst.Is6())
	answered, sent := 0, len(h.Probes)
	for _, p := range h.Probes {
		if p.Reply != nil {
			answered++
		}
	}
	dest := tr.DestTTL()

	if h.PastDest {
		// "Sent with %s %d, past the destination (reached at hop %d): the
		// probes still arrive there, and the destination answers them as
		// it answered hop %d.", appended by hand as the Time Exceeded
		// sentence below: with the destination's sentence, --explain on
		// the 2M-packet real-traffic capture (BenchmarkModes/explain,
		// GOMAXPROCS=1, 10 runs interleaved with fmt.Appendf) made
		// 488k allocations (38.3 MiB) against 740k (42.7 MiB); its time
		// within the noise of a busy machine (827 against 881 ms).
		b = append(append(append(b, sayIndent...), "Sent with "...), ttl...)
		b = strconv.AppendInt(append(b, ' '), int64(h.TTL), 10)
		b = strconv.AppendInt(append(b, ", past the destination (reached at hop "...), int64(dest), 10)
		b = strconv.AppendInt(append(b, "): the probes still arrive there, and the destination answers them as it answered hop "...), int64(dest), 10)
		return append(b, ".\n"...)
	}
	if end := tr.EndTTL(); end != 0 && dest == 0 && h.TTL > end {
		return sayf(b, "Sent with %s %d, beyond hop %d where the trace stopped: what answered there refuses these probes too.", ttl, h.TTL, end)
	}
	if answered == 0 {
		return explainSilent(b, tr, h, hops)
	}

	rs := h.Responders()
	if len(rs) > 1 {
		b = sayf(b, "Replies came from %d addresses at this %s (%s): a router before this hop balances load (ECMP) and sends probes down different paths.", len(rs), ttl, joinAddrs(rs))
	}
	r := firstAnswer(h)
	switch {
	case r.Kind == analyze.TimeExceeded:
		// The sentence of most hops, appended by hand, as is
		// returnPath's: with both, --explain on the 2M-packet
		// real-traffic capture (BenchmarkModes/explain, GOMAXPROCS=1, 6
		// runs interleaved with fmt.Appendf) took 0.847 s against 1.002
		// s at best, 0.924 s against 1.144 s in the median.
		b = r.From.AppendTo(append(b, sayIndent...))
		if r.From.Is6() {
			b = append(b, " sent ICMPv6 Time Exceeded (type 3, code 0: hop limit exceeded in transit): the probe's hop limit of "...)
		} else {
			b = append(b, " sent ICMP Time Exceeded (type 11, code 0): the probe's TTL of "...)
		}
		b = strconv.AppendInt(b, int64(h.TTL), 10)
		b = append(b, " reached 0 at this router, which dropped it and said so.\n"...)
	case r.FromDest:
		// "The destination %s answered with %s: it was reached after %d
		// hops.", by hand as above.
		b = r.From.AppendTo(append(append(b, sayIndent...), "The destination "...))
		b = append(append(append(b, " answered with "...), replyWords(r)...), ": it was reached after "...)
		b = append(strconv.AppendInt(b, int64(h.TTL), 10), " hops.\n"...)
	case r.Kind.Terminal() && strings.TrimSpace(annotation(r)) == "":
		b = sayf(b, "%s answered %s: it cannot deliver to %s, so the trace stops at this hop.", r.From, replyWords(r), tr.Dst)
	case r.Kind.Terminal():
		b = sayf(b, "%s answered %s (%s): it cannot deliver to %s, so the trace stops at this hop.", r.From, replyWords(r), strings.TrimSpace(annotation(r)), tr.Dst)
	default:
		b = sayf(b, "%s answered with %s.", r.From, replyWords(r))
	}
	b = say(b, rewrites(tr, h))
	if answered < sent {
		b = sayf(b, "%d of %d probes got no reply while this router answered the others: replies were lost or rate-limited (routers limit the %s errors they send), not the path.", sent-answered, sent, icmpWord(tr.Dst.Is6()))
	}
	// How far away the responder is: the lowest TTL at which it sent Time
	// Exceeded (a router refusing to forward answers a higher TTL's probe).
	fwd := h.TTL
	for _, p := range tr.Probes {
		if p.Reply != nil && p.Reply.From == r.From && p.Reply.Kind == analyze.TimeExceeded && p.TTL < fwd {
			fwd = p.TTL
		}
	}
	b = returnPath(b, r, fwd)
	return say(b, rttJump(h, hops))
}

// explainSilent explains a hop where no probe was answered.
func explainSilent(b []byte, tr *analyze.Trace, h analyze.Hop, hops []analyze.Hop) []byte {
	later := false
	for _, o := range hops {
		if o.TTL > h.TTL && len(o.Responders()) > 0 {
			later = true
			break
		}
	}
	if later && tr.Dst.Is6() {
		return sayf(b, "No reply to any of the %d probes, yet later hops answer: this router forwards packets but does not send ICMPv6 Time Exceeded (it is filtered or rate-limited), which is not a fault.", len(h.Probes))
	}
	if later {
		return sayf(b, "No reply to any of the %d probes, yet later hops answer: this router forwards packets but does not send Time Exceeded (it is filtered or rate-limited), which is not a fault.", len(h.Probes))
	}
	return sayf(b, "No reply to any of the %d probes, and no later hop answered: the path may end here, or everything from here on (the destination included) drops the probes or their replies.", len(h.Probes))
}

// firstAnswer is the first reply at h in send order; h has one.
func firstAnswer(h analyze.Hop) *analyze.Reply {
	for _, p := range h.Probes {
		if p.Reply != nil {
			return p.Reply
		}
	}
	return &analyze.Reply{}
}

// replyWords names a reply for a sentence, with its ICMP or ICMPv6 type
// and code.
func replyWords(r *analyze.Reply) string {
	if r.From.Is6() && isICMP(r) {
		if r.Type == layers.ICMPv6TypeEchoReply {
			return "ICMPv6 Echo Reply (type 129)"
		}
		return fmt.Sprintf("ICMPv6 %s (type %d, code %d)", icmpv6Words(r.Type, r.Code), r.Type, r.Code)
	}
	switch r.Kind {
	case analyze.TCPSynAck:
		return "TCP SYN-ACK (the port is open)"
	case analyze.TCPReset:
		return "TCP RST (the port is closed, but the host is there)"
	case analyze.EchoReply:
		return "ICMP Echo Reply (type 0)"
	case analyze.UDPReply:
		return "a UDP datagram back to the probe's ports (a service answering it)"
	}
	name := strings.ReplaceAll(r.Kind.String(), "-", " ")
	return fmt.Sprintf("ICMP %s (type %d, code %d)", name, r.Type, r.Code)
}

// returnPath says what the reply's TTL (hop limit in IPv6) implies about
// the way back: the sender most likely started from the smallest usual
// initial value not below it, so initial - ttl + 1 routers brought it back
// (counting the sender).
func returnPath(b []byte, r *analyze.Reply, fwd int) []byte {
	if r.TTL == 0 {
		return b
	}
	back := backHops(r.TTL)
	init := int(r.TTL) + back - 1
	ttl := ttlWord(r.From.Is6())
	// A sentence of most hops, appended by hand (see explain).
	b = append(append(append(b, sayIndent...), "The reply arrived with "...), ttl...)
	b = strconv.AppendInt(append(b, ' '), int64(r.TTL), 10)
	b = strconv.AppendInt(append(b, "; sent with "...), int64(init), 10)
	b = strconv.AppendInt(append(b, ", it crossed "...), int64(back), 10)
	if back == 1 {
		b = append(b, " hop back"...)
	} else {
		b = append(b, " hops back"...)
	}
	if back == fwd {
		return append(b, ", as many as the probe crossed forward.\n"...)
	}
	b = strconv.AppendInt(append(b, " while the probe crossed "...), int64(fwd), 10)
	return append(b, " forward: the return path differs from the forward path (an asymmetric route).\n"...)
}

// ttlWord names the IP field a probe's distance is set in.
func ttlWord(v6 bool) string {
	if v6 {
		return "hop limit"
	}
	return "TTL"
}

// icmpWord names the protocol routers answer probes with.
func icmpWord(v6 bool) string {
	if v6 {
		return "ICMPv6"
	}
	return "ICMP"
}

// rttJump notes an RTT well above a later hop's: the time a router takes
// to generate Time Exceeded, not the link.
func rttJump(h analyze.Hop, hops []analyze.Hop) string {
	here, ok := minRTT(h)
	if !ok {
		return ""
	}
	for _, o := range hops {
		if o.TTL <= h.TTL {
			continue
		}
		later, ok := minRTT(o)
		if !ok {
			continue
		}
		if here > 2*later && here-later > 500*time.Microsecond {
			return fmt.Sprintf("Its best RTT (%s ms) is higher than at hop %d (%s ms), further away: routers answer Time Exceeded from a slow control path, so an RTT that jumps then falls back is not a slow link.", ms(here), o.TTL, ms(later))
		}
		return ""
	}
	return ""
}

// minRTT is the smallest RTT of h's replies.
func minRTT(h analyze.Hop) (time.Duration, bool) {
	var best time.Duration
	ok := false
	for _, p := range h.Probes {
		if p.Reply != nil && (!ok || p.Reply.RTT < best) {
			best, ok = p.Reply.RTT, true
		}
	}
	return best, ok
}

func joinAddrs(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

// plural is "1 hop" or "n hops".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// rewrites says which fields of the probes the quotes in this hop's ICMP
// errors show changed on the way (analyze.Reply.Rewritten), or "". A
// transport checksum that changed with an address or port it covers is
// said to follow from them.
func rewrites(tr *analyze.Trace, h analyze.Hop) string {
	var rw analyze.Rewritten
	var from netip.Addr
	for _, p := range h.Probes {
		if p.Reply != nil && p.Reply.Rewritten != 0 {
			if rw == 0 {
				from = p.Reply.From
			}
			rw |= p.Reply.Rewritten
		}
	}
	if rw == 0 {
		return ""
	}
	v6 := tr.Dst.Is6()
	sum := checksumWord(tr.Proto, v6)
	// The UDP, TCP and ICMPv6 checksums cover the addresses (in the
	// pseudo-header), UDP and TCP's the ports too; ICMP's neither.
	var covered analyze.Rewritten
	switch {
	case tr.Proto == analyze.UDP || tr.Proto == analyze.TCP:
		covered = analyze.RewriteSrcAddr | analyze.RewriteDstAddr | analyze.RewriteSrcPort | analyze.RewriteDstPort | analyze.RewriteSeq
	case v6:
		covered = analyze.RewriteSrcAddr | analyze.RewriteDstAddr
	}
	follows := rw&analyze.RewriteChecksum != 0 && rw&covered != 0
	var words []string
	for _, name := range rw.Names(nil) {
		if name == "checksum" && follows {
			continue
		}
		words = append(words, rewriteWord(name, sum, v6))
	}
	s := fmt.Sprintf("The probe %s quoted back differs from the probe as sent: a NAT or middlebox rewrote %s between the source and this router", from, joinWords(words))
	if follows {
		return s + fmt.Sprintf("; the %s differs only as a consequence, since it covers the rewritten address or port.", sum)
	}
	return s + "."
}

// rewriteWord names a field of analyze.Rewritten for a sentence.
func rewriteWord(name, sum string, v6 bool) string {
	switch name {
	case "src-addr":
		return "the source address"
	case "dst-addr":
		return "the destination address"
	case "src-port":
		return "the source port"
	case "dst-port":
		return "the destination port"
	case "ip-id":
		return "the IP ID"
	case "tos":
		if v6 {
			return "the traffic class (DSCP and ECN)"
		}
		return "the TOS byte (DSCP and ECN)"
	case "length":
		if v6 {
			return "the payload length"
		}
		return "the total length"
	case "checksum":
		return "the " + sum
	case "flow-label":
		return "the flow label"
	case "tcp-seq":
		return "the TCP sequence number (as a firewall that randomises it does)"
	}
	return name
}

// checksumWord names the transport checksum of a probe method.
func checksumWord(p analyze.Proto, v6 bool) string {
	switch {
	case p == analyze.UDP:
		return "UDP checksum"
	case p == analyze.TCP:
		return "TCP checksum"
	case v6:
		return "ICMPv6 checksum"
	}
	return "ICMP checksum"
}

// joinWords joins "a", "a and b", "a, b and c".
func joinWords(w []string) string {
	switch len(w) {
	case 0:
		return ""
	case 1:
		return w[0]
	}
	return strings.Join(w[:len(w)-1], ", ") + " and " + w[len(w)-1]
}
