package config

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/spf13/pflag"
)

// Variable describes one setting for documentation: its flag name (without
// the leading dashes), its environment variable, its built-in default as it
// would be typed, and what it does.
type Variable struct {
	Flag        string
	Env         string
	Default     string
	Description string
}

// variable is the single description of a setting from which the flags, the
// environment reader and the documentation are all derived, so they cannot
// drift apart.
type variable struct {
	flag  string
	env   string
	usage string
	// value returns a flag value reading and writing the field in c.
	// followBase reports whether BaseURL may still follow Addr; only the
	// addr setting uses it.
	value func(c *Config, followBase func() bool) pflag.Value
}

// variables returns the settings in the order they are documented. Addr comes
// before BaseURL so that, in the environment, an explicit ROSTER_BASE_URL
// wins over the URL derived from ROSTER_ADDR.
func variables() []variable {
	str := func(field func(*Config) *string) func(*Config, func() bool) pflag.Value {
		return func(c *Config, _ func() bool) pflag.Value { return (*stringValue)(field(c)) }
	}
	secret := func(field func(*Config) *string) func(*Config, func() bool) pflag.Value {
		return func(c *Config, _ func() bool) pflag.Value { return (*urlValue)(field(c)) }
	}
	return []variable{
		{"db", "ROSTER_DB",
			"database URL: sqlite:PATH for the embedded database, or postgres://USER@HOST:PORT/DB",
			secret(func(c *Config) *string { return &c.DB })},
		{"addr", "ROSTER_ADDR",
			"host:port the HTTP server listens on",
			func(c *Config, follow func() bool) pflag.Value { return &addrValue{c: c, follow: follow} }},
		{"base-url", "ROSTER_BASE_URL",
			"public URL used in links in mail and pages (defaults to http:// and the listen address)",
			str(func(c *Config) *string { return &c.BaseURL })},
		{"smtp-url", "ROSTER_SMTP_URL",
			"SMTP server for outgoing mail, such as smtp://user:pass@host:587; empty keeps mail in the outbox shown in the console",
			secret(func(c *Config) *string { return &c.SMTPURL })},
		{"mail-from", "ROSTER_MAIL_FROM",
			"From address of outgoing mail",
			str(func(c *Config) *string { return &c.MailFrom })},
		{"log-format", "ROSTER_LOG_FORMAT",
			"log format: text or json",
			str(func(c *Config) *string { return &c.LogFormat })},
		{"log-level", "ROSTER_LOG_LEVEL",
			"minimum log level: debug, info, warn or error",
			str(func(c *Config) *string { return &c.LogLevel })},
		{"shutdown-timeout", "ROSTER_SHUTDOWN_TIMEOUT",
			"how long a graceful shutdown waits for requests in flight",
			func(c *Config, _ func() bool) pflag.Value { return (*durationValue)(&c.ShutdownTimeout) }},
		{"argon2-memory", "ROSTER_ARGON2_MEMORY",
			"argon2id memory cost in KiB for new password hashes (at least 19456)",
			func(c *Config, _ func() bool) pflag.Value { return (*uint32Value)(&c.Argon2MemoryKiB) }},
		{"argon2-time", "ROSTER_ARGON2_TIME",
			"argon2id iterations for new password hashes (at least 2)",
			func(c *Config, _ func() bool) pflag.Value { return (*uint32Value)(&c.Argon2Time) }},
		{"max-body-bytes", "ROSTER_MAX_BODY_BYTES",
			"largest request body accepted, in bytes",
			func(c *Config, _ func() bool) pflag.Value { return (*int64Value)(&c.MaxBodyBytes) }},
		{"org", "ROSTER_ORG",
			"organization that commands act on, and whose sign-in page /login shows, when none is named",
			str(func(c *Config) *string { return &c.DefaultOrg })},
		{"password-blocklist", "ROSTER_PASSWORD_BLOCKLIST",
			"file of further passwords to refuse, one per line (such as breached passwords), added to the built-in list",
			str(func(c *Config) *string { return &c.PasswordBlocklist })},
	}
}

// lookupVar returns the setting with the given flag name. It panics on an
// unknown name, which is a programming error inside this package.
func lookupVar(flag string) variable {
	for _, v := range variables() {
		if v.flag == flag {
			return v
		}
	}
	panic("config: unknown setting " + flag)
}

// Variables returns every setting with its flag, environment variable,
// built-in default and description, in a stable order, for generating
// documentation.
func Variables() []Variable {
	d := Default()
	never := func() bool { return false }
	vars := variables()
	out := make([]Variable, 0, len(vars))
	for _, v := range vars {
		out = append(out, Variable{
			Flag:        v.flag,
			Env:         v.env,
			Default:     v.value(&d, never).String(),
			Description: v.usage,
		})
	}
	return out
}

// Bind registers one flag per setting on fs, each writing into c when the
// command line is parsed. The flags' defaults are c's current values, so bind
// after [ApplyEnv] for --help to show what the environment set. The help text
// of each flag names its environment variable.
//
// While --base-url is not given and c.BaseURL still equals the URL derived
// from c.Addr, --addr moves the base URL along with the address.
func Bind(fs *pflag.FlagSet, c *Config) {
	follow := func() bool { return !fs.Changed("base-url") }
	for _, v := range variables() {
		fs.Var(v.value(c, follow), v.flag, fmt.Sprintf("%s (env %s)", v.usage, v.env))
	}
}

// ApplyEnv sets the fields of c whose environment variable lookup reports as
// set to a non-empty value (an empty variable counts as unset). Pass
// os.LookupEnv in production. Values that cannot be parsed are reported
// together, joined with errors.Join, each naming its variable; the fields
// that parsed are applied regardless.
//
// Setting ROSTER_ADDR without ROSTER_BASE_URL moves the base URL along with
// the address while it still holds the derived default.
func ApplyEnv(c *Config, lookup func(string) (string, bool)) error {
	always := func() bool { return true }
	var errs []error
	for _, v := range variables() {
		s, ok := lookup(v.env)
		if !ok || s == "" {
			continue
		}
		if err := v.value(c, always).Set(s); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", v.env, s, err))
		}
	}
	return errors.Join(errs...)
}

// The flag values below read and write a Config field in place. Their parse
// errors are short because pflag and ApplyEnv both prefix them with the name
// of the flag or variable.

type stringValue string

func (v *stringValue) String() string     { return string(*v) }
func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }
func (v *stringValue) Type() string       { return "string" }

// urlValue holds a URL that may carry a password. Its String form, which
// pflag shows as the default in --help, hides the password, so that a secret
// set in the environment is not printed. The field itself keeps the full URL.
type urlValue string

func (v *urlValue) String() string {
	u, err := url.Parse(string(*v))
	if err != nil || u.User == nil {
		return string(*v)
	}
	if _, has := u.User.Password(); !has {
		return string(*v)
	}
	return u.Redacted()
}
func (v *urlValue) Set(s string) error { *v = urlValue(s); return nil }
func (v *urlValue) Type() string       { return "string" }

type addrValue struct {
	c      *Config
	follow func() bool
}

func (v *addrValue) String() string     { return v.c.Addr }
func (v *addrValue) Set(s string) error { v.c.setAddr(s, v.follow()); return nil }
func (v *addrValue) Type() string       { return "string" }

type durationValue time.Duration

func (v *durationValue) String() string { return time.Duration(*v).String() }
func (v *durationValue) Type() string   { return "duration" }
func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("not a duration such as 30s, 2m or 1h30m")
	}
	*v = durationValue(d)
	return nil
}

type uint32Value uint32

func (v *uint32Value) String() string { return strconv.FormatUint(uint64(*v), 10) }
func (v *uint32Value) Type() string   { return "uint32" }
func (v *uint32Value) Set(s string) error {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return errors.New("not a whole number between 0 and 4294967295")
	}
	*v = uint32Value(n)
	return nil
}

type int64Value int64

func (v *int64Value) String() string { return strconv.FormatInt(int64(*v), 10) }
func (v *int64Value) Type() string   { return "int64" }
func (v *int64Value) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return errors.New("not a whole number")
	}
	*v = int64Value(n)
	return nil
}
