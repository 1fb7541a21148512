// Package config holds the settings of a Roster process as one plain value.
//
// A setting can come from three places, in rising order of precedence: the
// built-in defaults ([Default]), the environment (ROSTER_… variables, read by
// [ApplyEnv]) and command-line flags (registered by [Bind]). The composition
// root applies them in that order: it starts from Default, applies the
// environment, then binds the flags to the result, so that the defaults shown
// by --help are the values the environment produced, and parses the command
// line. [Config.Validate] then checks the outcome as a whole.
//
// The package keeps no state of its own: every function works on the Config
// value it is given.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"time"
)

// Minimum argon2id parameters (OWASP's recommendation, also the bar set by the
// project's security stance).
const (
	MinArgon2MemoryKiB = 19456
	MinArgon2Time      = 2
)

// Config is the complete configuration of a Roster process. The zero value is
// not useful; start from [Default].
type Config struct {
	// DB is the database URL: "sqlite:PATH" for the embedded database, or a
	// "postgres://" / "postgresql://" URL.
	DB string
	// Addr is the host:port the HTTP server listens on.
	Addr string
	// BaseURL is the public URL of the service, used to build links in mail
	// and pages. Until it is set explicitly it follows Addr (see
	// [DeriveBaseURL]).
	BaseURL string
	// SMTPURL is the SMTP server mail is delivered through; empty keeps mail
	// in the database outbox (the development mailbox).
	SMTPURL string
	// MailFrom is the From header of outgoing mail.
	MailFrom string
	// LogFormat is "text" or "json".
	LogFormat string
	// LogLevel is "debug", "info", "warn" or "error".
	LogLevel string
	// ShutdownTimeout bounds how long a graceful shutdown waits for in-flight
	// requests.
	ShutdownTimeout time.Duration
	// Argon2MemoryKiB is the argon2id memory cost for new password hashes.
	Argon2MemoryKiB uint32
	// Argon2Time is the argon2id iteration count for new password hashes.
	Argon2Time uint32
	// MaxBodyBytes is the largest request body the front-ends accept.
	MaxBodyBytes int64
	// DefaultOrg is the organization that commands act on when none is named.
	DefaultOrg string
	// PasswordBlocklist names a file of further passwords to refuse (one per
	// line, such as a list of breached passwords), added to the built-in
	// list of common ones; empty = the built-in list alone.
	PasswordBlocklist string
}

// Default returns the built-in configuration: an embedded SQLite file in the
// working directory, listening on the loopback interface.
func Default() Config {
	const addr = "127.0.0.1:8080"
	return Config{
		DB:              "sqlite:roster.db",
		Addr:            addr,
		BaseURL:         DeriveBaseURL(addr),
		SMTPURL:         "",
		MailFrom:        "Roster <roster@localhost>",
		LogFormat:       "text",
		LogLevel:        "info",
		ShutdownTimeout: 30 * time.Second,
		Argon2MemoryKiB: MinArgon2MemoryKiB,
		Argon2Time:      MinArgon2Time,
		MaxBodyBytes:    1 << 20,
		DefaultOrg:      "default",
	}
}

// DeriveBaseURL returns the base URL implied by a listen address: "http://"
// followed by the address, with an empty or unspecified host (":8080",
// "0.0.0.0:8080", "[::]:8080") replaced by "localhost" so the result is a
// usable link. An address that is not host:port is used as it is.
func DeriveBaseURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// setAddr changes Addr and, while BaseURL still holds the value derived from
// the old address (and followBase is true), moves BaseURL along with it.
func (c *Config) setAddr(addr string, followBase bool) {
	if followBase && c.BaseURL == DeriveBaseURL(c.Addr) {
		c.BaseURL = DeriveBaseURL(addr)
	}
	c.Addr = addr
}

// Level returns LogLevel as a slog.Level; a value Validate would reject reads
// as info.
func (c Config) Level() slog.Level {
	switch strings.ToLower(c.LogLevel) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

// Validate checks every field and returns nil when the configuration is
// usable. Otherwise it returns the problems joined with errors.Join, one per
// bad field, each naming the flag and environment variable to fix.
func (c Config) Validate() error {
	var errs []error
	bad := func(flag, format string, args ...any) {
		v := lookupVar(flag)
		errs = append(errs, fmt.Errorf("--%s (%s): %s", v.flag, v.env, fmt.Sprintf(format, args...)))
	}

	switch {
	case strings.HasPrefix(c.DB, "sqlite:"):
		if strings.TrimPrefix(c.DB, "sqlite:") == "" {
			bad("db", "%q names no database file; use sqlite:PATH", c.DB)
		}
	case strings.HasPrefix(c.DB, "postgres://"), strings.HasPrefix(c.DB, "postgresql://"):
		if _, err := url.Parse(c.DB); err != nil {
			// The URL may hold a password: do not echo it.
			bad("db", "the PostgreSQL URL cannot be parsed")
		}
	default:
		bad("db", "must start with sqlite:, postgres:// or postgresql://")
	}

	if c.Addr == "" {
		bad("addr", "must not be empty")
	} else if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		bad("addr", "%q is not host:port", c.Addr)
	}

	if u, err := url.Parse(c.BaseURL); err != nil {
		bad("base-url", "%q cannot be parsed", c.BaseURL)
	} else if u.Scheme != "http" && u.Scheme != "https" {
		bad("base-url", "%q must be an http:// or https:// URL", c.BaseURL)
	} else if u.Hostname() == "" {
		bad("base-url", "%q has no host", c.BaseURL)
	}

	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || u.Hostname() == "" {
			// The URL may hold a password: do not echo it.
			bad("smtp-url", "must be a URL with a host, such as smtp://user:pass@mail.example.com:587")
		}
	}

	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		bad("mail-from", "%q is not a mail address (%v)", c.MailFrom, err)
	}

	switch c.LogFormat {
	case "text", "json":
	default:
		bad("log-format", "%q must be text or json", c.LogFormat)
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		bad("log-level", "%q must be debug, info, warn or error", c.LogLevel)
	}

	if c.ShutdownTimeout <= 0 {
		bad("shutdown-timeout", "%s must be positive", c.ShutdownTimeout)
	}
	if c.Argon2MemoryKiB < MinArgon2MemoryKiB {
		bad("argon2-memory", "%d KiB is below the minimum of %d KiB", c.Argon2MemoryKiB, MinArgon2MemoryKiB)
	}
	if c.Argon2Time < MinArgon2Time {
		bad("argon2-time", "%d is below the minimum of %d", c.Argon2Time, MinArgon2Time)
	}
	if c.MaxBodyBytes <= 0 {
		bad("max-body-bytes", "%d must be positive", c.MaxBodyBytes)
	}
	if strings.TrimSpace(c.DefaultOrg) == "" {
		bad("org", "must not be empty")
	}
	return errors.Join(errs...)
}
