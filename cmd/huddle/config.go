package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/huddle-live/huddle/internal/room"
	"github.com/huddle-live/huddle/internal/web"
)

const usage = `huddle runs live training sessions: quizzes, business games and hackathon
boards on a projector, answered by teams on their phones.

  huddle [flags]                      serve (the flags below)
  huddle validate FILE...             check scenario files
  huddle facilitator add|list|remove|reset-password
                                      manage facilitators' accounts (huddle facilitator -h)

Flags (each also read from the environment variable in brackets):
`

// config is the server's configuration: flags, with environment variables
// as their defaults.
type config struct {
	Addr        string
	DataDir     string
	RedisURL    string
	RedisPrefix string
	Node        string
	PublicURL   string
	Scenarios   string
	LogLevel    slog.Level
	Proxies     []netip.Prefix
	RoomTTL     time.Duration
	IdleTTL     time.Duration
	UnjoinedTTL time.Duration
	MaxRooms    int
	MaxPlayers  int
	StoreBuffer int
	Pprof       string // address of the profiling and store-counter listener; "" is off
	// RoomsPerMinute is how many rooms one client may create a minute, in
	// bursts of twice as many.
	RoomsPerMinute int
	ConnsPerClient int // open connections per client, WebSockets included
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	var c config
	fs := flag.NewFlagSet("huddle", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.Addr, "addr", env("HUDDLE_ADDR", ":8080"), "listen address (HUDDLE_ADDR)")
	storeFlags(fs, env, &c)
	fs.StringVar(&c.PublicURL, "public-url", env("HUDDLE_PUBLIC_URL", ""), "base URL phones use, for join links and QR codes; default http://<LAN address>:<port> (HUDDLE_PUBLIC_URL)")
	fs.StringVar(&c.Scenarios, "scenarios", env("HUDDLE_SCENARIOS", "scenarios"), "directory of scenario files (HUDDLE_SCENARIOS)")
	fs.StringVar(&c.Pprof, "pprof", env("HUDDLE_PPROF", ""), "address for /debug/pprof and /debug/store (store write counters), e.g. 127.0.0.1:6060; off when empty. Never expose it (HUDDLE_PPROF)")
	proxies := env("HUDDLE_TRUSTED_PROXIES", "")
	fs.StringVar(&proxies, "trusted-proxies", proxies, "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For is believed (HUDDLE_TRUSTED_PROXIES)")
	roomTTL, idleTTL := env("HUDDLE_ROOM_TTL", "24h"), env("HUDDLE_IDLE_TTL", "168h")
	fs.Func("room-ttl", "how long a finished room is kept, live and exportable, after its last event; 0 keeps it forever (HUDDLE_ROOM_TTL, default 24h)", func(s string) error { roomTTL = s; return nil })
	fs.Func("idle-ttl", "how long an unfinished room is kept after its last event; 0 keeps it forever (HUDDLE_IDLE_TTL, default 168h)", func(s string) error { idleTTL = s; return nil })
	unjoinedTTL := env("HUDDLE_UNJOINED_TTL", "1h")
	fs.Func("unjoined-ttl", "how long a room nobody has joined is kept after its last event or the last socket that left it, while none is open; 0 keeps it as long as -idle-ttl (HUDDLE_UNJOINED_TTL, default 1h)", func(s string) error { unjoinedTTL = s; return nil })
	maxRooms := env("HUDDLE_MAX_ROOMS", strconv.Itoa(room.DefaultMaxRooms))
	fs.Func("max-rooms", "live rooms the server holds; past it creating a room fails with too_many_rooms (HUDDLE_MAX_ROOMS, default 1000, at most 100000)", func(s string) error { maxRooms = s; return nil })
	maxPlayers := env("HUDDLE_MAX_PLAYERS", strconv.Itoa(room.DefaultMaxPlayers))
	fs.Func("max-players", "active players one room takes; past it joining fails with room_full (HUDDLE_MAX_PLAYERS, default 20000)", func(s string) error { maxPlayers = s; return nil })
	buffer := env("HUDDLE_STORE_BUFFER", "20000")
	fs.Func("store-buffer", "events a room holds while its store is down before players' changes are refused (HUDDLE_STORE_BUFFER, default 20000)", func(s string) error { buffer = s; return nil })
	rooms := env("HUDDLE_ROOMS_PER_MINUTE", fmt.Sprint(web.DefaultLimits.RoomsPerMinute))
	fs.Func("rooms-per-minute", fmt.Sprintf("rooms one client (IPv4 address or IPv6 /64) may create a minute, in bursts of twice as many (HUDDLE_ROOMS_PER_MINUTE, default %d)", web.DefaultLimits.RoomsPerMinute), func(s string) error { rooms = s; return nil })
	conns := env("HUDDLE_CONNS_PER_CLIENT", fmt.Sprint(web.DefaultLimits.ConnsPerClient))
	fs.Func("conns-per-client", fmt.Sprintf("open connections one client (IPv4 address or IPv6 /64) may hold, WebSockets included; trusted proxies are not counted (HUDDLE_CONNS_PER_CLIENT, default %d)", web.DefaultLimits.ConnsPerClient), func(s string) error { conns = s; return nil })
	level := env("HUDDLE_LOG_LEVEL", "info")
	fs.Func("log-level", "debug, info, warn or error (HUDDLE_LOG_LEVEL)", func(s string) error { level = s; return nil })
	if err := fs.Parse(args[1:]); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q (did you mean: huddle validate FILE...?)", fs.Arg(0))
	}
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		return c, fmt.Errorf("log level %q: %w", level, err)
	}
	var err error
	if c.RoomTTL, err = parseTTL(roomTTL); err != nil {
		return c, fmt.Errorf("room ttl %q: %w", roomTTL, err)
	}
	if c.IdleTTL, err = parseTTL(idleTTL); err != nil {
		return c, fmt.Errorf("idle ttl %q: %w", idleTTL, err)
	}
	if c.UnjoinedTTL, err = parseTTL(unjoinedTTL); err != nil {
		return c, fmt.Errorf("unjoined ttl %q: %w", unjoinedTTL, err)
	}
	// A ninth of the 900,000 join codes at most, so that a free one is
	// always found within a few tries.
	if c.MaxRooms, err = strconv.Atoi(maxRooms); err != nil || c.MaxRooms < 1 || c.MaxRooms > 100000 {
		return c, fmt.Errorf("max rooms %q: a number of rooms, 1 to 100000", maxRooms)
	}
	if c.MaxPlayers, err = strconv.Atoi(maxPlayers); err != nil || c.MaxPlayers < 1 {
		return c, fmt.Errorf("max players %q: a number of players, at least 1", maxPlayers)
	}
	if c.StoreBuffer, err = strconv.Atoi(buffer); err != nil || c.StoreBuffer < 100 {
		return c, fmt.Errorf("store buffer %q: a number of events, at least 100", buffer)
	}
	if c.RoomsPerMinute, err = strconv.Atoi(rooms); err != nil || c.RoomsPerMinute < 1 {
		return c, fmt.Errorf("rooms per minute %q: a number, at least 1", rooms)
	}
	if c.ConnsPerClient, err = strconv.Atoi(conns); err != nil || c.ConnsPerClient < 10 {
		return c, fmt.Errorf("connections per client %q: a number, at least 10", conns)
	}
	p, err := web.ParseProxies(proxies)
	if err != nil {
		return c, fmt.Errorf("trusted proxies %q: %w", proxies, err)
	}
	c.Proxies = p
	return c, nil
}

// storeFlags adds the flags that choose the store: the server and
// `huddle facilitator` share them.
func storeFlags(fs *flag.FlagSet, env func(key, def string) string, c *config) {
	fs.StringVar(&c.DataDir, "data", env("HUDDLE_DATA", "./data"), "directory of the embedded store (HUDDLE_DATA)")
	fs.StringVar(&c.RedisURL, "redis", env("REDIS_URL", ""), "Redis URL; when set, Redis is the store instead of -data (REDIS_URL)")
	fs.StringVar(&c.RedisPrefix, "redis-prefix", env("HUDDLE_REDIS_PREFIX", "huddle:"), "prefix of every Redis key (HUDDLE_REDIS_PREFIX)")
	fs.StringVar(&c.Node, "node", env("HUDDLE_NODE", ""), "this process's name among those sharing a Redis; random when empty (HUDDLE_NODE)")
}

// envOr reads an environment variable with a default.
func envOr(getenv func(string) string) func(key, def string) string {
	return func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
}

// parseTTL reads a duration such as "24h" or "90m"; "0" means forever.
func parseTTL(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d < 0 {
		return 0, fmt.Errorf("must not be negative")
	}
	return d, nil
}

// publicURL is the configured base URL, or one built from the listener's
// port and this machine's first LAN address, so that phones in the room can
// reach it without configuration.
func publicURL(configured string, ln net.Addr) string {
	if configured != "" {
		return strings.TrimRight(configured, "/")
	}
	port := "8080"
	if tcp, ok := ln.(*net.TCPAddr); ok {
		port = fmt.Sprint(tcp.Port)
		if !tcp.IP.IsUnspecified() {
			return "http://" + net.JoinHostPort(tcp.IP.String(), port)
		}
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && !ipn.IP.IsLoopback() && !ipn.IP.IsLinkLocalUnicast() {
			return "http://" + net.JoinHostPort(ipn.IP.String(), port)
		}
	}
	return "http://localhost:" + port
}
