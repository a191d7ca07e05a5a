package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/huddle-live/huddle/internal/account"
	"github.com/huddle-live/huddle/internal/store"
)

const facilitatorUsage = `usage: huddle facilitator COMMAND [flags]

  add -login LOGIN -name NAME     create a facilitator's account
  list                            list the accounts
  remove -login LOGIN             delete an account and end its sessions
  reset-password -login LOGIN     set a new password and end its sessions

The password is asked twice on a terminal; otherwise the first line of the
standard input is the password (echo "$PASSWORD" | huddle facilitator add ...).
The store flags are the server's: -data, -redis, -redis-prefix and their
environment variables. With the embedded store (-data) stop the server first:
its file is open by one process at a time.
`

// facilitator manages facilitators' accounts from the command line, in the
// store the server uses.
func facilitator(ctx context.Context, args []string, getenv func(string) string, stdin *os.File, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprint(stdout, facilitatorUsage)
		return nil
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(stderr, facilitatorUsage)
		return exitError{"no command"}
	}
	cmd := args[0]
	var c config
	var login, name string
	fs := flag.NewFlagSet("huddle facilitator "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	storeFlags(fs, envOr(getenv), &c)
	switch cmd {
	case "add":
		fs.StringVar(&login, "login", "", "the facilitator's login or e-mail")
		fs.StringVar(&name, "name", "", "the facilitator's name, as other facilitators see it")
	case "remove", "reset-password":
		fs.StringVar(&login, "login", "", "the facilitator's login or e-mail")
	case "list":
	default:
		fmt.Fprint(stderr, facilitatorUsage)
		return exitError{"unknown command " + cmd}
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if cmd != "list" && login == "" {
		return fmt.Errorf("facilitator %s: -login is required", cmd)
	}
	if cmd == "add" && name == "" {
		return errors.New("facilitator add: -name is required")
	}
	raw, _, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer raw.Close()
	svc := account.New(account.Config{Store: accountsOf(raw)})

	switch cmd {
	case "add":
		pw, err := readPassword(stdin, stderr)
		if err != nil {
			return err
		}
		a, err := svc.Add(ctx, account.NewAccount{Name: name, Login: login, Password: pw})
		if err != nil {
			return fmt.Errorf("facilitator add: %w", err)
		}
		fmt.Fprintf(stdout, "added facilitator %s (%s)\n", a.Login, a.Name)
	case "list":
		accs, err := svc.List(ctx)
		if err != nil {
			return fmt.Errorf("facilitator list: %w", err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LOGIN\tNAME\tCREATED")
		for _, a := range accs {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", a.Login, a.Name, a.Created.Local().Format(time.DateTime))
		}
		return tw.Flush()
	case "remove":
		a, err := svc.Remove(ctx, login)
		if err != nil {
			return fmt.Errorf("facilitator remove %s: %w", login, err)
		}
		fmt.Fprintf(stdout, "removed facilitator %s (%s); their rooms keep running\n", a.Login, a.Name)
	case "reset-password":
		if _, err := svc.ByLogin(ctx, login); err != nil {
			return fmt.Errorf("facilitator reset-password %s: %w", login, err)
		}
		pw, err := readPassword(stdin, stderr)
		if err != nil {
			return err
		}
		a, err := svc.SetPassword(ctx, login, pw)
		if err != nil {
			return fmt.Errorf("facilitator reset-password %s: %w", login, err)
		}
		fmt.Fprintf(stdout, "new password for %s; their sessions are ended\n", a.Login)
	}
	return nil
}

// readPassword asks twice without echo on a terminal, else reads the first
// line of stdin.
func readPassword(stdin *os.File, stderr io.Writer) (string, error) {
	fd := int(stdin.Fd())
	if !term.IsTerminal(fd) {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			return "", fmt.Errorf("read the password from standard input: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	ask := func(prompt string) (string, error) {
		fmt.Fprint(stderr, prompt)
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(stderr)
		return string(b), err
	}
	pw, err := ask("Password (at least 10 characters): ")
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	again, err := ask("The same password again: ")
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	if pw != again {
		return "", errors.New("the passwords differ")
	}
	return pw, nil
}

// accountsOf is the account store kept beside the rooms of raw.
func accountsOf(raw store.Store) store.Accounts {
	if k, ok := raw.(interface{ Accounts() store.Accounts }); ok {
		return k.Accounts()
	}
	return store.NewMemory().Accounts()
}

// printSetup prints the one-time link that creates the first account.
func printSetup(w io.Writer, base, token string, until time.Time) {
	fmt.Fprintf(w, "  No facilitator account yet. Open this link to create the first one (valid until %s):\n", until.Local().Format("15:04"))
	fmt.Fprintf(w, "    %s/setup#%s\n", base, token)
	fmt.Fprintf(w, "  Учётной записи ведущего ещё нет. Откройте ссылку выше, чтобы создать первую (действует до %s).\n\n", until.Local().Format("15:04"))
}
