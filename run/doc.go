// Package run is `tracers run`: it wires the engine (package trace) to the
// network — name resolution, the kernel's route and source address, the raw
// sender, the libpcap capture and its BPF filter, the optional pcap writer,
// reverse DNS — and prints the hops as the engine hands them over, with the
// same renderer a replay uses.
//
// It holds no protocol logic and no timing logic of its own: probes are
// built by craft, scheduled by trace, and understood by analyze.
package run
