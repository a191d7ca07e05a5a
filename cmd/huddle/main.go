// Command huddle runs live training sessions: quizzes on a projector,
// answered by teams on their phones.
//
//	huddle [flags]           serve (see -h)
//	huddle validate FILE...  check scenario files; exit 1 on any problem
//	huddle facilitator add|list|remove|reset-password  manage facilitators' accounts
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ex exitError
		if !errors.As(err, &ex) {
			fmt.Fprintln(os.Stderr, "huddle:", err)
		}
		os.Exit(1)
	}
}

// exitError ends the process with status 1 after its output was written.
type exitError struct{ msg string }

func (e exitError) Error() string { return e.msg }

// isHelp reports whether an argument asks for the usage.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 1 && args[1] == "validate" {
		return validate(args[2:], stdout)
	}
	if len(args) > 1 && args[1] == "facilitator" {
		return facilitator(ctx, args[2:], getenv, os.Stdin, stdout, stderr)
	}
	if len(args) > 1 && isHelp(args[1]) {
		_, err := parseConfig([]string{args[0], "-h"}, getenv, stdout)
		if errors.Is(err, flag.ErrHelp) {
			return nil // asked for help: the usage is the answer
		}
		return err
	}
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	return serve(ctx, cfg, stdout)
}
