package report

import (
	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/craft"
)

// icmpv6TypeName names an ICMPv6 message type (RFC 4443, RFC 4861,
// RFC 3810) as Wireshark's packet list does, or "" for a type it has no
// name for here.
func icmpv6TypeName(t uint8) string {
	switch t {
	case layers.ICMPv6TypeDestinationUnreachable:
		return "Destination Unreachable"
	case layers.ICMPv6TypePacketTooBig:
		return "Packet Too Big"
	case layers.ICMPv6TypeTimeExceeded:
		return "Time Exceeded"
	case layers.ICMPv6TypeParameterProblem:
		return "Parameter Problem"
	case layers.ICMPv6TypeEchoRequest:
		return "Echo (ping) request"
	case layers.ICMPv6TypeEchoReply:
		return "Echo (ping) reply"
	case layers.ICMPv6TypeMLDv1MulticastListenerQueryMessage:
		return "Multicast Listener Query"
	case layers.ICMPv6TypeMLDv1MulticastListenerReportMessage:
		return "Multicast Listener Report"
	case layers.ICMPv6TypeMLDv1MulticastListenerDoneMessage:
		return "Multicast Listener Done"
	case layers.ICMPv6TypeRouterSolicitation:
		return "Router Solicitation"
	case layers.ICMPv6TypeRouterAdvertisement:
		return "Router Advertisement"
	case layers.ICMPv6TypeNeighborSolicitation:
		return "Neighbor Solicitation"
	case layers.ICMPv6TypeNeighborAdvertisement:
		return "Neighbor Advertisement"
	case layers.ICMPv6TypeRedirect:
		return "Redirect"
	case layers.ICMPv6TypeMLDv2MulticastListenerReportMessageV2:
		return "Multicast Listener Report Message v2"
	}
	return ""
}

// icmpv6CodeName names the code of an ICMPv6 error as Wireshark's packet
// list does ("" when it shows none): RFC 4443's words, capitalised as
// Wireshark capitalises them.
func icmpv6CodeName(t, c uint8) string {
	switch t {
	case layers.ICMPv6TypeDestinationUnreachable:
		switch c {
		case 0:
			return "no route to destination"
		case 1:
			return "Administratively prohibited"
		case 2:
			return "Beyond scope of source address"
		case 3:
			return "Address unreachable"
		case 4:
			return "Port unreachable"
		case 5:
			return "Source address failed ingress/egress policy"
		case 6:
			return "Reject route to destination"
		case 7:
			return "Error in Source Routing Header"
		}
	case layers.ICMPv6TypeTimeExceeded, layers.ICMPv6TypeParameterProblem:
		// Wireshark shows RFC 4443's words unchanged for these two.
		return craft.ICMPv6CodeWords(t, c)
	}
	return ""
}

// icmpv6Words names an ICMPv6 message for a sentence, with RFC 4443's
// words for its code: "Destination Unreachable: address unreachable".
func icmpv6Words(t, c uint8) string {
	name := icmpv6TypeName(t)
	switch t {
	case layers.ICMPv6TypeEchoRequest:
		return "Echo Request"
	case layers.ICMPv6TypeEchoReply:
		return "Echo Reply"
	case layers.ICMPv6TypeDestinationUnreachable, layers.ICMPv6TypeTimeExceeded, layers.ICMPv6TypeParameterProblem:
		if s := craft.ICMPv6CodeWords(t, c); s != "" {
			return name + ": " + s
		}
	}
	if name == "" {
		return "message"
	}
	return name
}
