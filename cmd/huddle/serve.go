package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/huddle-live/huddle/internal/account"
	"github.com/huddle-live/huddle/internal/room"
	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/store"
	"github.com/huddle-live/huddle/internal/web"
	"github.com/huddle-live/huddle/static"
)

const (
	// shutdownTimeout bounds a stop whatever the clients and the store do,
	// so that the process exits within the 10 s the README promises.
	shutdownTimeout = 8 * time.Second
	// hubTimeout is the final snapshots' share of it; the sockets' close
	// handshakes and plain requests get the rest.
	hubTimeout = 5 * time.Second
	// writeEvery keeps a room at ≤ 10 store writes a second whatever the
	// number of phones; an ack waits at most this much longer.
	writeEvery = 100 * time.Millisecond
)

// serve runs the server until ctx ends, then shuts down: stop accepting,
// final snapshot of every room, close sockets with 1012.
func serve(ctx context.Context, cfg config, stdout io.Writer) error {
	log := slog.New(slog.NewTextHandler(stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))

	scenarios, err := scenario.LoadDir(cfg.Scenarios)
	if err != nil {
		return fmt.Errorf("scenarios in %s are invalid, fix them or run `huddle validate`:\n%w", cfg.Scenarios, err)
	}
	if len(scenarios) == 0 {
		return fmt.Errorf("no scenarios in %s", cfg.Scenarios)
	}

	// Question images are served through a root: no symlink or ".." leads
	// out of the scenarios directory.
	media, err := os.OpenRoot(cfg.Scenarios)
	if err != nil {
		return fmt.Errorf("open %s: %w", cfg.Scenarios, err)
	}
	defer media.Close()

	// Bind first, so a busy port is reported before anything else starts.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	defer ln.Close()

	raw, where, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer raw.Close()
	if rs, ok := raw.(*store.Redis); ok {
		warnVolatile(ctx, rs, log)
	}
	st := raw
	if cfg.Pprof != "" {
		counting := &countingStore{Store: raw}
		st = counting
		dln, err := net.Listen("tcp", cfg.Pprof)
		if err != nil {
			return fmt.Errorf("listen on %s for -pprof: %w", cfg.Pprof, err)
		}
		ds := &http.Server{Handler: debugHandler(counting), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = ds.Serve(dln) }()
		defer ds.Close()
		log.Info("profiling is on", "listen", dln.Addr().String())
	}

	base := publicURL(cfg.PublicURL, ln.Addr())
	hcfg := room.HubConfig{Store: st, Logger: log, PublicURL: base, WriteEvery: writeEvery,
		FinishedTTL: cfg.RoomTTL, IdleTTL: cfg.IdleTTL, UnjoinedTTL: cfg.UnjoinedTTL,
		MaxRooms: cfg.MaxRooms, MaxPlayers: cfg.MaxPlayers, MaxBuffered: cfg.StoreBuffer}
	var hub *room.Hub
	if rs, ok := raw.(*store.Redis); ok {
		// On Redis every process may share the rooms with others: each room
		// runs under a lease in one of them (docs/cluster.md).
		if hub, err = room.NewClusterHub(hcfg, room.ClusterConfig{Store: rs, Node: cfg.Node}); err != nil {
			return fmt.Errorf("join the cluster on redis: %w", err)
		}
		log.Info("rooms are shared with the other processes on this Redis", "node", hub.Node())
	} else {
		hub = room.NewHub(hcfg)
	}
	n, err := hub.Restore(ctx)
	if err != nil {
		return fmt.Errorf("restore rooms: %w", err)
	}
	accounts := account.New(account.Config{Store: accountsOf(raw), Logger: log})
	setup, setupUntil, err := accounts.Setup(ctx)
	if err != nil {
		return fmt.Errorf("facilitator accounts: %w", err)
	}
	srv := web.New(web.Config{Hub: hub, Scenarios: scenarios, Static: static.FS, Media: media.FS(), PublicURL: base, Logger: log,
		TrustedProxies: cfg.Proxies, Accounts: accounts,
		Limits: web.Limits{RoomsPerMinute: cfg.RoomsPerMinute, RoomBurst: 2 * cfg.RoomsPerMinute, ConnsPerClient: cfg.ConnsPerClient}})
	hs := srv.HTTPServer()

	log.Info("huddle is ready", "url", base, "listen", ln.Addr().String(), "store", where, "rooms_restored", n)
	printBanner(stdout, base, cfg.Scenarios, scenarios)
	if warn := unreachable(base, ln.Addr()); warn != "" {
		log.Warn(warn)
		fmt.Fprintf(stdout, "  Warning: %s\n\n", warn)
	}
	if setup != "" {
		printSetup(stdout, base, setup, setupUntil)
	}

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(srv.Listener(ln)) }()
	select {
	case err := <-errc:
		return errors.Join(fmt.Errorf("serve: %w", err), stop(hs, hub, srv, log))
	case <-ctx.Done():
	}

	log.Info("shutting down")
	err = stop(hs, hub, srv, log)
	log.Info("stopped")
	return err
}

// stop shuts the server down within shutdownTimeout: stop accepting, write
// the final snapshot of every room (for hubTimeout at most: the store may be
// down), close sockets with 1012, and cut whatever is still open at the
// deadline (peers that do not answer the close, slow requests).
func stop(hs *http.Server, hub *room.Hub, srv *web.Server, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- hs.Shutdown(ctx) }() // stop accepting; wait for plain requests
	hctx, hcancel := context.WithTimeout(ctx, hubTimeout)
	err := hub.Shutdown(hctx) // final snapshots; sockets closed with 1012
	hcancel()
	_ = srv.Shutdown(ctx) // WebSockets, which hs does not track
	if herr := <-shut; herr != nil && !errors.Is(herr, http.ErrServerClosed) {
		log.Warn("requests cut at the shutdown deadline", "err", herr)
		_ = hs.Close()
	}
	if err != nil {
		return fmt.Errorf("stop rooms (the final snapshots may be missing): %w", err)
	}
	return nil
}

// warnVolatile warns when the Redis keeps nothing on disk: the rooms would
// survive a huddle restart but not a Redis one.
func warnVolatile(ctx context.Context, rs *store.Redis, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	volatile, err := rs.Volatile(ctx)
	switch {
	case err != nil:
		log.Info("could not check whether Redis keeps data on disk (CONFIG unavailable)", "err", err)
	case volatile:
		log.Warn("Redis keeps nothing on disk (appendonly no, no save points): a Redis restart loses every room; set appendonly yes")
	}
}

func openStore(ctx context.Context, cfg config) (store.Store, string, error) {
	if cfg.RedisURL != "" {
		rs, err := store.OpenRedis(ctx, cfg.RedisURL, cfg.RedisPrefix)
		if err != nil {
			return nil, "", fmt.Errorf("open redis store: %w", err)
		}
		return rs, "redis", nil
	}
	path := filepath.Join(cfg.DataDir, "huddle.db")
	b, err := store.OpenBolt(path)
	if err != nil {
		return nil, "", fmt.Errorf("open embedded store: %w", err)
	}
	return b, path, nil
}

// printBanner tells the person who started the server where to go and what
// it can run, in plain words.
func printBanner(w io.Writer, base, dir string, scenarios []*scenario.Scenario) {
	fmt.Fprintf(w, "\n  huddle is running. Open %s on the laptop connected to the projector.\n", base)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	fmt.Fprintf(w, "  %d scenarios, from the folder %s:\n", len(scenarios), dir)
	for _, sc := range scenarios {
		fmt.Fprintf(w, "    %-24s %s (%s, %s)\n", sc.ID, sc.Title, sc.Language, summary(sc))
	}
	fmt.Fprintln(w)
}

// unreachable warns when the phones in the room cannot reach the address
// the server gives them: it listens on this machine's loopback only, or no
// LAN address was found and the public URL names this machine itself.
func unreachable(base string, ln net.Addr) string {
	if tcp, ok := ln.(*net.TCPAddr); ok && tcp.IP.IsLoopback() {
		return fmt.Sprintf("huddle listens on %s only: phones cannot reach it. Listen on every address (-addr :%d) and, if needed, set -public-url to the address phones use.", tcp.IP, tcp.Port)
	}
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return fmt.Sprintf("phones are told to open %s, which is only this machine: no network address was found. Connect to the venue's network or set -public-url.", base)
	}
	return ""
}
