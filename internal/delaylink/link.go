package delaylink

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// End is one side of a link: a TUN device named Dev inside the network
// namespace Netns (a name under /run/netns, or a path).
type End struct {
	Netns string
	Dev   string
}

// Link is a delayed link between two namespaces.
type Link struct {
	A, B End
	// Delay is the one-way delay, in each direction.
	Delay time.Duration
	// Jitter spreads each packet's delay uniformly over Delay±Jitter
	// (never below zero).
	Jitter time.Duration
	// LossPct is the share of packets dropped, in each direction, 0..100.
	LossPct float64
}

var errSpec = errors.New("want NSA,DEVA,NSB,DEVB,DELAY_MS[,JITTER_MS[,LOSS_PCT]]")

// ParseLink reads a link written NSA,DEVA,NSB,DEVB,DELAY_MS[,JITTER_MS[,LOSS_PCT]],
// with milliseconds and percentages as decimal numbers.
func ParseLink(s string) (Link, error) {
	f := strings.Split(s, ",")
	if len(f) < 5 || len(f) > 7 {
		return Link{}, fmt.Errorf("delaylink: link %q: %w", s, errSpec)
	}
	for _, name := range f[:4] {
		if name == "" {
			return Link{}, fmt.Errorf("delaylink: link %q: empty name: %w", s, errSpec)
		}
	}
	l := Link{A: End{f[0], f[1]}, B: End{f[2], f[3]}}
	nums := []float64{0, 0, 0}
	for i, v := range f[4:] {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x < 0 || x > 1e6 {
			return Link{}, fmt.Errorf("delaylink: link %q: bad number %q: %w", s, v, errSpec)
		}
		nums[i] = x
	}
	if nums[2] > 100 {
		return Link{}, fmt.Errorf("delaylink: link %q: loss %v%% over 100", s, nums[2])
	}
	l.Delay = time.Duration(nums[0] * float64(time.Millisecond))
	l.Jitter = time.Duration(nums[1] * float64(time.Millisecond))
	l.LossPct = nums[2]
	return l, nil
}
