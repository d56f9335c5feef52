// Package linger ends the process without waiting for the kernel to
// release what it holds.
//
// A process's exit is not over for its parent (a shell, a script timing
// it) until the kernel has torn down its address space and closed its
// descriptors. For tracers that is 3-4 ms of a 36 ms trace: unmapping
// ~10 MB of mapped executable pages and heap, and closing the capture's
// packet socket, which waits for RCU grace periods in the kernel
// (packet_release and the ring's teardown each call synchronize_net).
// Exit hands both to a child that shares the address space and holds
// copies of the descriptors: the process's own exit then only drops its
// references, and the child, no longer anyone's concern, does the
// releasing. Measured in turns with the build before it: whole zero-delay
// runs (scripts/bench-startup.sh --runs 100, two rounds, each run 50 ms
// after the one before) 28.72/27.96 ms without, 26.69/25.67 ms with; the
// delay lab's all answering scenario (8 routers, 2 ms links, 9 rounds
// 0.3 s apart) 70.4 ms without, 68.1 ms with (README "Start-up"). The
// release still costs the machine its CPU: a command started right after
// tracers shares the CPUs with it for a few milliseconds.
package linger
