package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"roster/internal/config"
	"roster/internal/logging"
)

func TestGracefulShutdown(t *testing.T) {
	started := make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		_, _ = io.WriteString(w, "done")
	})
	s, logs := newTestServer(t, Deps{Extra: map[string]http.Handler{"GET /slow": slow}})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{resp.StatusCode, string(b), err}
	}()

	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("request never reached the handler")
	}
	cancel()

	select {
	case r := <-got:
		if r.err != nil || r.status != http.StatusOK || r.body != "done" {
			t.Errorf("in-flight request: status %d, body %q, err %v", r.status, r.body, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("in-flight request did not finish")
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve() = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}

	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
	listening := logs.find(t, "listening")
	if len(listening) != 1 || listening[0]["addr"] != addr {
		t.Errorf("listening record = %v, want addr %s", listening, addr)
	}
}

func TestShutdownTimeout(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	stuck := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
	})
	cfg := config.Default()
	cfg.ShutdownTimeout = 100 * time.Millisecond
	s := New(cfg, Deps{Extra: map[string]http.Handler{"/stuck": stuck}})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/stuck")
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	cancel()
	select {
	case err := <-served:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Serve() = %v, want a deadline error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not give up at the shutdown timeout")
	}
	close(release)
}

func TestRun(t *testing.T) {
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	logs := &logBuffer{}
	s := New(cfg, Deps{Logger: logging.New("json", slog.LevelInfo, logs)})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- s.Run(ctx) }()

	var addr string
	deadline := time.Now().Add(5 * time.Second)
	for addr == "" && time.Now().Before(deadline) {
		if l := logs.find(t, "listening"); len(l) == 1 {
			addr, _ = l[0]["addr"].(string)
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if addr == "" || strings.HasSuffix(addr, ":0") {
		t.Fatalf("listening address %q is not the real one", addr)
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status = %d", resp.StatusCode)
	}
	cancel()
	if err := <-served; err != nil {
		t.Errorf("Run() = %v", err)
	}

	// An address that cannot be listened on is reported, not logged away.
	cfg.Addr = "127.0.0.1:-1"
	if err := New(cfg, Deps{}).Run(context.Background()); err == nil {
		t.Error("Run on a bad address returned nil")
	}
}
