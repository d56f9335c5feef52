// Package prefault maps in, as the program starts, the Go heap pages its
// first milliseconds are about to touch: one system call instead of a
// page fault for each page; and, where the program links C (cgo on
// Linux), has glibc keep one malloc arena for every thread. Importing it
// is all it takes.
//
// A first touch of a page costs 12-17 µs on this project's virtual
// machines (bare metal: well under 1 µs), and a zero-delay `tracers run`
// took about 530 page faults, about 230 of them in the Go heap (perf
// record -e page-faults -d). The package's init runs before the
// packages that allocate most at start-up (Go initialises, among the
// packages whose imports are ready, the first by import path, so it runs
// as soon as syscall has, before gopacket/layers, cobra and the rest of
// tracers) and asks Linux (MADV_POPULATE_WRITE, 5.14 and later) to
// populate the heap from its own first allocation up to 4 MiB on, which
// stops where the runtime's mapping of the heap ends. The heap pages
// touched before it, by the runtime's own start-up, still fault.
//
// Measured in turns with the build before it (scripts/bench-startup.sh
// --runs 100, three rounds, 2026-12-02 11:44Z): whole zero-delay runs
// 23.81/21.96/21.74 ms without, 22.00/20.16/20.38 ms with (traceroute -I
// 8.32/7.56/7.60), 2 ms less CPU a run; page faults 533 -> 340-390.
// A replay of a small capture (testdata's mtr-icmp.pcap, perf stat -r 40,
// two rounds): 15.2/14.7 -> 12.9/12.7 ms. The cost: peak RSS of a trace
// 9.3 -> 14.2 MB, the populated pages whether touched or not.
//
// One malloc arena: each thread of a cgo program calls malloc as it
// starts, and glibc gives each such thread an arena of its own (a 64 MiB
// mapping, its first pages touched), up to 8 per CPU; a C constructor
// sets M_ARENA_MAX to 1 before the Go runtime starts any thread. tracers'
// C allocations (libpcap's handle and ring bookkeeping) are few and
// small, so one arena costs it no contention. Measured in turns with the
// build before it (bench-startup.sh --runs 100, three rounds, 2026-12-02
// 13:20Z): 22.07/22.01/23.11 ms without, 20.56/20.91/21.64 ms with
// (traceroute -I 7.89/7.70/8.31), 2 ms less CPU a run.
//
// Elsewhere, or where Linux refuses the advice, nothing changes.
package prefault
