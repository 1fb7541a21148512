package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"
)

// decode parses the JSON lines written to buf.
func decode(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func TestRequestAttributes(t *testing.T) {
	var buf bytes.Buffer
	log := New("json", slog.LevelInfo, &buf)

	ctx := WithRequestID(context.Background(), "req-1")
	log.InfoContext(ctx, "before auth")

	// Authentication runs deeper in the chain, on a derived context.
	inner, cancel := context.WithCancel(ctx)
	defer cancel()
	SetActor(inner, "org-9", "user-7")
	log.InfoContext(inner, "after auth")

	// The outer context sees the actor too: this is the access log's case.
	log.InfoContext(ctx, "access")
	log.Info("no context")

	lines := decode(t, &buf)
	if len(lines) != 4 {
		t.Fatalf("got %d lines, want 4: %s", len(lines), buf.String())
	}
	tests := []struct {
		msg                  string
		requestID, org, user any
	}{
		{"before auth", "req-1", nil, nil},
		{"after auth", "req-1", "org-9", "user-7"},
		{"access", "req-1", "org-9", "user-7"},
		{"no context", nil, nil, nil},
	}
	for i, tt := range tests {
		got := lines[i]
		if got["msg"] != tt.msg {
			t.Errorf("line %d: msg = %v, want %q", i, got["msg"], tt.msg)
		}
		if got[KeyRequestID] != tt.requestID || got[KeyOrgID] != tt.org || got[KeyActorID] != tt.user {
			t.Errorf("line %d (%s): request_id=%v org_id=%v actor_id=%v, want %v %v %v",
				i, tt.msg, got[KeyRequestID], got[KeyOrgID], got[KeyActorID], tt.requestID, tt.org, tt.user)
		}
	}
}

func TestAccessors(t *testing.T) {
	bg := context.Background()
	if got := RequestID(bg); got != "" {
		t.Errorf("RequestID(background) = %q, want empty", got)
	}
	if SetActor(bg, "o", "a") {
		t.Error("SetActor without a holder reported true")
	}

	ctx := WithRequestID(bg, "abc")
	if got := RequestID(ctx); got != "abc" {
		t.Errorf("RequestID = %q, want abc", got)
	}
	if got := WithActor(ctx, "o1", "a1"); got != ctx {
		t.Error("WithActor with a holder should fill it in place and return ctx")
	}
	if o, a := Actor(ctx); o != "o1" || a != "a1" {
		t.Errorf("Actor = %q, %q; want o1, a1", o, a)
	}

	// Without a holder WithActor attaches a new one.
	job := WithActor(bg, "o2", "a2")
	if o, a := Actor(job); o != "o2" || a != "a2" {
		t.Errorf("Actor(job) = %q, %q; want o2, a2", o, a)
	}
	if got := RequestID(job); got != "" {
		t.Errorf("RequestID(job) = %q, want empty", got)
	}

	// A new request id shadows the old holder without touching it.
	child := WithRequestID(ctx, "def")
	SetActor(child, "o3", "a3")
	if o, _ := Actor(ctx); o != "o1" {
		t.Errorf("parent holder changed to org %q", o)
	}
}

func TestGroupsKeepRequestAtTopLevel(t *testing.T) {
	var buf bytes.Buffer
	log := New("json", slog.LevelInfo, &buf).With("component", "mail").WithGroup("smtp").With("host", "mx")
	ctx := WithActor(WithRequestID(context.Background(), "r2"), "org", "actor")
	log.InfoContext(ctx, "sent", "n", 1)

	lines := decode(t, &buf)
	if len(lines) != 1 {
		t.Fatalf("got %d lines", len(lines))
	}
	got := lines[0]
	if got[KeyRequestID] != "r2" || got[KeyOrgID] != "org" || got[KeyActorID] != "actor" {
		t.Errorf("request facts not at top level: %v", got)
	}
	if got["component"] != "mail" {
		t.Errorf("component = %v", got["component"])
	}
	grp, ok := got["smtp"].(map[string]any)
	if !ok || grp["host"] != "mx" || grp["n"] != float64(1) {
		t.Errorf("group smtp = %v", got["smtp"])
	}
}

func TestNewFormatAndLevel(t *testing.T) {
	var buf bytes.Buffer
	log := New("text", slog.LevelWarn, &buf)
	ctx := WithRequestID(context.Background(), "t-1")
	log.InfoContext(ctx, "hidden")
	log.WarnContext(ctx, "shown")
	out := buf.String()
	if strings.Contains(out, "hidden") {
		t.Errorf("info record logged at warn level: %q", out)
	}
	if !strings.Contains(out, "msg=shown") || !strings.Contains(out, "request_id=t-1") {
		t.Errorf("text output = %q, want msg=shown and request_id=t-1", out)
	}
	if strings.HasPrefix(strings.TrimSpace(out), "{") {
		t.Errorf("text format produced JSON: %q", out)
	}
}

func TestConcurrentActor(t *testing.T) {
	var mu sync.Mutex
	var buf bytes.Buffer
	log := New("json", slog.LevelInfo, writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}))
	ctx := WithRequestID(context.Background(), "c")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if i%2 == 0 {
				SetActor(ctx, "o", "a")
			}
			log.InfoContext(ctx, "x")
		})
	}
	wg.Wait()
	if n := len(decode(t, &buf)); n != 8 {
		t.Errorf("got %d lines, want 8", n)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestSlogConformance checks that wrapping keeps the slog.Handler contract.
func TestSlogConformance(t *testing.T) {
	var buf bytes.Buffer
	slogtest.Run(t, func(*testing.T) slog.Handler {
		buf.Reset()
		return NewContextHandler(slog.NewJSONHandler(&buf, nil))
	}, func(t *testing.T) map[string]any {
		line := bytes.TrimSpace(buf.Bytes())
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("unmarshal %q: %v", line, err)
		}
		return m
	})
}
