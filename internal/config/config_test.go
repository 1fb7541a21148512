package config

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestDefaultIsValid(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	if c.BaseURL != "http://127.0.0.1:8080" {
		t.Errorf("default BaseURL = %q", c.BaseURL)
	}
	if c.Level() != slog.LevelInfo {
		t.Errorf("default Level() = %v", c.Level())
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		want   []string // substrings of the error; none means valid
	}{
		{"postgres url", func(c *Config) { c.DB = "postgres://u@h:5432/db?sslmode=disable" }, nil},
		{"postgresql url", func(c *Config) { c.DB = "postgresql://u@h/db" }, nil},
		{"https base url", func(c *Config) { c.BaseURL = "https://roster.example.com/sub" }, nil},
		{"smtp url", func(c *Config) { c.SMTPURL = "smtp://u:p@mail.example.com:587" }, nil},
		{"upper-case level", func(c *Config) { c.LogLevel = "DEBUG" }, nil},
		{"mysql db", func(c *Config) { c.DB = "mysql://x" }, []string{"--db (ROSTER_DB)", "sqlite:, postgres:// or postgresql://"}},
		{"bare sqlite", func(c *Config) { c.DB = "sqlite:" }, []string{"--db", "no database file"}},
		{"empty addr", func(c *Config) { c.Addr = "" }, []string{"--addr (ROSTER_ADDR): must not be empty"}},
		{"addr without port", func(c *Config) { c.Addr = "localhost" }, []string{"--addr", "not host:port"}},
		{"unparseable base url", func(c *Config) { c.BaseURL = "http://[::1" }, []string{"--base-url (ROSTER_BASE_URL)", "cannot be parsed"}},
		{"ftp base url", func(c *Config) { c.BaseURL = "ftp://example.com" }, []string{"--base-url", "http:// or https://"}},
		{"base url without host", func(c *Config) { c.BaseURL = "http://" }, []string{"--base-url", "no host"}},
		{"smtp url without host", func(c *Config) { c.SMTPURL = "mail.example.com" }, []string{"--smtp-url (ROSTER_SMTP_URL)"}},
		{"bad mail from", func(c *Config) { c.MailFrom = "not an address" }, []string{"--mail-from"}},
		{"bad log format", func(c *Config) { c.LogFormat = "xml" }, []string{"--log-format (ROSTER_LOG_FORMAT)", `"xml" must be text or json`}},
		{"bad log level", func(c *Config) { c.LogLevel = "trace" }, []string{"--log-level", "debug, info, warn or error"}},
		{"zero shutdown timeout", func(c *Config) { c.ShutdownTimeout = 0 }, []string{"--shutdown-timeout", "must be positive"}},
		{"negative shutdown timeout", func(c *Config) { c.ShutdownTimeout = -time.Second }, []string{"--shutdown-timeout"}},
		{"weak argon2 memory", func(c *Config) { c.Argon2MemoryKiB = 19455 }, []string{"--argon2-memory (ROSTER_ARGON2_MEMORY)", "below the minimum of 19456"}},
		{"weak argon2 time", func(c *Config) { c.Argon2Time = 1 }, []string{"--argon2-time", "below the minimum of 2"}},
		{"zero body limit", func(c *Config) { c.MaxBodyBytes = 0 }, []string{"--max-body-bytes"}},
		{"empty org", func(c *Config) { c.DefaultOrg = " " }, []string{"--org (ROSTER_ORG)"}},
		{"several at once", func(c *Config) {
			c.LogFormat = "xml"
			c.Argon2Time = 0
			c.Addr = ""
		}, []string{"--log-format", "--argon2-time", "--addr"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.modify(&c)
			err := c.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if n := len(tt.want); tt.name == "several at once" && strings.Count(err.Error(), "\n") != n-1 {
				t.Errorf("want %d lines in %q", n, err)
			}
		})
	}
}

func TestValidateDoesNotEchoSecrets(t *testing.T) {
	c := Default()
	c.SMTPURL = "hunter2-no-host"
	if err := c.Validate(); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Validate() = %v; want an error that does not echo the SMTP URL", err)
	}
}

func TestLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{
		"debug": slog.LevelDebug, "info": slog.LevelInfo, "WARN": slog.LevelWarn, "error": slog.LevelError,
	} {
		c := Config{LogLevel: in}
		if got := c.Level(); got != want {
			t.Errorf("Level(%q) = %v, want %v", in, got, want)
		}
	}
}

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestApplyEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    func(*Config)
		wantErr []string
	}{
		{"nothing set", nil, func(*Config) {}, nil},
		{"every variable", map[string]string{
			"ROSTER_DB":               "postgres://pg/roster",
			"ROSTER_ADDR":             "0.0.0.0:9000",
			"ROSTER_BASE_URL":         "https://roster.example.com",
			"ROSTER_SMTP_URL":         "smtp://mail:25",
			"ROSTER_MAIL_FROM":        "IT <it@example.com>",
			"ROSTER_LOG_FORMAT":       "json",
			"ROSTER_LOG_LEVEL":        "debug",
			"ROSTER_SHUTDOWN_TIMEOUT": "5s",
			"ROSTER_ARGON2_MEMORY":    "65536",
			"ROSTER_ARGON2_TIME":      "3",
			"ROSTER_MAX_BODY_BYTES":   "2048",
			"ROSTER_ORG":              "district-7",
		}, func(c *Config) {
			*c = Config{
				DB: "postgres://pg/roster", Addr: "0.0.0.0:9000", BaseURL: "https://roster.example.com",
				SMTPURL: "smtp://mail:25", MailFrom: "IT <it@example.com>", LogFormat: "json",
				LogLevel: "debug", ShutdownTimeout: 5 * time.Second, Argon2MemoryKiB: 65536,
				Argon2Time: 3, MaxBodyBytes: 2048, DefaultOrg: "district-7",
			}
		}, nil},
		{"addr moves derived base url", map[string]string{"ROSTER_ADDR": ":9000"},
			func(c *Config) { c.Addr, c.BaseURL = ":9000", "http://localhost:9000" }, nil},
		{"empty counts as unset", map[string]string{"ROSTER_DB": "", "ROSTER_ARGON2_TIME": ""}, func(*Config) {}, nil},
		{"bad numbers and durations", map[string]string{
			"ROSTER_SHUTDOWN_TIMEOUT": "30",
			"ROSTER_ARGON2_MEMORY":    "lots",
			"ROSTER_ARGON2_TIME":      "-1",
			"ROSTER_MAX_BODY_BYTES":   "1MiB",
			"ROSTER_LOG_LEVEL":        "warn",
		}, func(c *Config) { c.LogLevel = "warn" }, []string{
			`ROSTER_SHUTDOWN_TIMEOUT="30": not a duration`,
			`ROSTER_ARGON2_MEMORY="lots": not a whole number`,
			`ROSTER_ARGON2_TIME="-1"`,
			`ROSTER_MAX_BODY_BYTES="1MiB"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Default()
			err := ApplyEnv(&got, env(tt.env))
			want := Default()
			tt.want(&want)
			if got != want {
				t.Errorf("config = %+v\nwant     %+v", got, want)
			}
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Errorf("ApplyEnv() = %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("ApplyEnv() = nil, want an error")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestPrecedence(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want func(*Config)
	}{
		{"defaults only", nil, nil, func(*Config) {}},
		{"env over default", map[string]string{"ROSTER_LOG_LEVEL": "warn", "ROSTER_ARGON2_TIME": "4"}, nil,
			func(c *Config) { c.LogLevel, c.Argon2Time = "warn", 4 }},
		{"flag over env", map[string]string{"ROSTER_LOG_LEVEL": "warn", "ROSTER_DB": "sqlite:env.db"},
			[]string{"--log-level", "error", "--shutdown-timeout=1m"},
			func(c *Config) { c.LogLevel, c.DB, c.ShutdownTimeout = "error", "sqlite:env.db", time.Minute }},
		{"every flag", nil, []string{
			"--db=postgresql://h/d", "--addr=127.0.0.1:1", "--base-url=https://x.example",
			"--smtp-url=smtp://m:25", "--mail-from=a@b.example", "--log-format=json", "--log-level=debug",
			"--shutdown-timeout=2s", "--argon2-memory=20000", "--argon2-time=5", "--max-body-bytes=10", "--org=o",
		}, func(c *Config) {
			*c = Config{
				DB: "postgresql://h/d", Addr: "127.0.0.1:1", BaseURL: "https://x.example", SMTPURL: "smtp://m:25",
				MailFrom: "a@b.example", LogFormat: "json", LogLevel: "debug", ShutdownTimeout: 2 * time.Second,
				Argon2MemoryKiB: 20000, Argon2Time: 5, MaxBodyBytes: 10, DefaultOrg: "o",
			}
		}},
		{"addr flag moves derived base url", nil, []string{"--addr=0.0.0.0:8443"},
			func(c *Config) { c.Addr, c.BaseURL = "0.0.0.0:8443", "http://localhost:8443" }},
		{"addr flag keeps env base url", map[string]string{"ROSTER_BASE_URL": "https://r.example"}, []string{"--addr=:1"},
			func(c *Config) { c.Addr, c.BaseURL = ":1", "https://r.example" }},
		{"addr flag keeps earlier base url flag", nil, []string{"--base-url=http://127.0.0.1:8080", "--addr=:2"},
			func(c *Config) { c.Addr = ":2" }},
		{"base url flag after addr flag wins", nil, []string{"--addr=:3", "--base-url=https://b.example"},
			func(c *Config) { c.Addr, c.BaseURL = ":3", "https://b.example" }},
		{"env addr then flag addr", map[string]string{"ROSTER_ADDR": "127.0.0.1:7000"}, []string{"--addr=127.0.0.1:7001"},
			func(c *Config) { c.Addr, c.BaseURL = "127.0.0.1:7001", "http://127.0.0.1:7001" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Default()
			if err := ApplyEnv(&got, env(tt.env)); err != nil {
				t.Fatal(err)
			}
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			Bind(fs, &got)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			want := Default()
			tt.want(&want)
			if got != want {
				t.Errorf("config = %+v\nwant     %+v", got, want)
			}
		})
	}
}

func TestBindHelpShowsEnvAndEnvDefaults(t *testing.T) {
	c := Default()
	if err := ApplyEnv(&c, env(map[string]string{"ROSTER_ADDR": "127.0.0.1:9999"})); err != nil {
		t.Fatal(err)
	}
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	Bind(fs, &c)
	for _, v := range Variables() {
		f := fs.Lookup(v.Flag)
		if f == nil {
			t.Errorf("flag --%s not registered", v.Flag)
			continue
		}
		if !strings.Contains(f.Usage, v.Env) {
			t.Errorf("usage of --%s = %q, does not name %s", v.Flag, f.Usage, v.Env)
		}
	}
	if got := fs.Lookup("addr").DefValue; got != "127.0.0.1:9999" {
		t.Errorf("--addr default = %q, want the environment's value", got)
	}
	if got := fs.Lookup("shutdown-timeout").DefValue; got != "30s" {
		t.Errorf("--shutdown-timeout default = %q, want 30s", got)
	}
}

func TestBadFlagValue(t *testing.T) {
	c := Default()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	Bind(fs, &c)
	err := fs.Parse([]string{"--argon2-time=two"})
	if err == nil || !strings.Contains(err.Error(), "argon2-time") || !strings.Contains(err.Error(), "not a whole number") {
		t.Errorf("Parse() = %v", err)
	}
}

func TestVariables(t *testing.T) {
	vars := Variables()
	if len(vars) != 13 {
		t.Fatalf("got %d variables, want 13", len(vars))
	}
	seen := map[string]bool{}
	for _, v := range vars {
		if v.Flag == "" || !strings.HasPrefix(v.Env, "ROSTER_") || v.Description == "" {
			t.Errorf("incomplete variable %+v", v)
		}
		if seen[v.Env] {
			t.Errorf("duplicate %s", v.Env)
		}
		seen[v.Env] = true
	}
	byFlag := map[string]Variable{}
	for _, v := range vars {
		byFlag[v.Flag] = v
	}
	for flag, want := range map[string]string{
		"db": "sqlite:roster.db", "addr": "127.0.0.1:8080", "base-url": "http://127.0.0.1:8080",
		"smtp-url": "", "shutdown-timeout": "30s", "argon2-memory": "19456", "argon2-time": "2",
		"max-body-bytes": "1048576", "org": "default", "log-format": "text", "log-level": "info", "password-blocklist": "",
	} {
		if got := byFlag[flag].Default; got != want {
			t.Errorf("default of %s = %q, want %q", flag, got, want)
		}
	}
}

func TestDeriveBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080",
		":8080":          "http://localhost:8080",
		"0.0.0.0:80":     "http://localhost:80",
		"[::]:8080":      "http://localhost:8080",
		"[::1]:8080":     "http://[::1]:8080",
		"roster.lan:81":  "http://roster.lan:81",
		"weird":          "http://weird",
	} {
		if got := DeriveBaseURL(in); got != want {
			t.Errorf("DeriveBaseURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHelpHidesPasswords(t *testing.T) {
	c := Default()
	err := ApplyEnv(&c, env(map[string]string{
		"ROSTER_DB":       "postgres://roster:s3cret@db:5432/roster",
		"ROSTER_SMTP_URL": "smtp://mailer:t0ps3cret@mx:587",
	}))
	if err != nil {
		t.Fatal(err)
	}
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	Bind(fs, &c)
	help := fs.FlagUsages()
	if strings.Contains(help, "s3cret") || strings.Contains(help, "t0ps3cret") {
		t.Errorf("help shows a password:\n%s", help)
	}
	if !strings.Contains(help, "postgres://roster:xxxxx@db:5432/roster") {
		t.Errorf("help does not show the redacted database URL:\n%s", help)
	}
	if c.DB != "postgres://roster:s3cret@db:5432/roster" {
		t.Errorf("DB = %q, the field must keep the password", c.DB)
	}
}
