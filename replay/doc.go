// Package replay reads a capture file, of tracers or of any traceroute tool,
// feeds it to the analyzer and renders every trace it finds. It is the file
// twin of the live engine: the same analyzer, the same renderer.
package replay
