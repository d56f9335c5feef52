package report_test

import (
	"net/netip"
	"os"
	"time"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/report"
)

func ExampleHop() {
	gw := netip.MustParseAddr("10.77.3.2")
	h := analyze.Hop{TTL: 3, Probes: []*analyze.Probe{
		{TTL: 3, Reply: &analyze.Reply{From: gw, RTT: 43 * time.Microsecond, Kind: analyze.HostUnreachable, Type: 3, Code: 1}},
		{TTL: 3, Reply: &analyze.Reply{From: gw, RTT: 21 * time.Microsecond, Kind: analyze.HostUnreachable, Type: 3, Code: 1}},
		{TTL: 3}, // unanswered
	}}
	_ = report.Hop(os.Stdout, h, report.Options{})
	// Output:
	//  3  10.77.3.2  0.043 ms !H  0.021 ms !H *
}

func ExampleJSON() {
	sent := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tr := &analyze.Trace{
		Src:   netip.MustParseAddr("10.77.1.1"),
		Dst:   netip.MustParseAddr("10.77.5.2"),
		Proto: analyze.ICMP,
		Probes: []*analyze.Probe{
			{TTL: 1, Sent: sent, Reply: &analyze.Reply{
				From: netip.MustParseAddr("10.77.5.2"), RTT: 121 * time.Microsecond,
				Kind: analyze.EchoReply, TTL: 64, FromDest: true,
			}},
			{TTL: 1, Sent: sent.Add(time.Millisecond)}, // unanswered
		},
	}
	_ = report.JSON(os.Stdout, []*analyze.Trace{tr}, report.Options{})
	// Output:
	// {
	//   "schema_version": 1,
	//   "traces": [
	//     {
	//       "source": "10.77.1.1",
	//       "destination": "10.77.5.2",
	//       "protocol": "icmp",
	//       "paris": false,
	//       "reached": true,
	//       "dest_ttl": 1,
	//       "hops": [
	//         {
	//           "ttl": 1,
	//           "probes": [
	//             {
	//               "sent_at": "2024-05-01T12:00:00.000000000Z",
	//               "responder": "10.77.5.2",
	//               "rtt_ms": 0.121,
	//               "reply": "echo-reply",
	//               "icmp_type": 0,
	//               "icmp_code": 0,
	//               "reply_ttl": 64
	//             },
	//             {
	//               "sent_at": "2024-05-01T12:00:00.001000000Z",
	//               "responder": null,
	//               "rtt_ms": null,
	//               "reply": null,
	//               "icmp_type": null,
	//               "icmp_code": null,
	//               "reply_ttl": null
	//             }
	//           ]
	//         }
	//       ]
	//     }
	//   ]
	// }
}
