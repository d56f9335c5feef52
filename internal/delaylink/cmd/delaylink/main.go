// Command delaylink joins network namespaces with delayed TUN links for
// scripts/lab.sh (up --delay); see package delaylink.
//
//	delaylink [-seed N] [-ready FILE] NSA,DEVA,NSB,DEVB,DELAY_MS[,JITTER_MS[,LOSS_PCT]]...
//
// It creates every device, writes FILE (when given) once they all exist,
// and relays packets until SIGTERM or SIGINT, which remove the devices.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/tracers/tracers/internal/delaylink"
)

func main() {
	seed := flag.Uint64("seed", 1, "seed of the jitter and loss generators")
	ready := flag.String("ready", "", "file written once every device exists")
	flag.Parse()
	if err := run(*seed, *ready, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "delaylink:", err)
		os.Exit(1)
	}
}

func run(seed uint64, ready string, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("no links given")
	}
	links := make([]delaylink.Link, 0, len(args))
	for _, a := range args {
		l, err := delaylink.ParseLink(a)
		if err != nil {
			return err
		}
		links = append(links, l)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	r, err := delaylink.Open(links, seed, log.Printf)
	if err != nil {
		return err
	}
	if ready != "" {
		if err := os.WriteFile(ready, []byte(fmt.Sprintln(os.Getpid())), 0o644); err != nil {
			r.Close()
			return fmt.Errorf("write %s: %w", ready, err)
		}
	}
	log.Printf("delaylink: %d links up", len(links))
	return r.Run(ctx)
}
