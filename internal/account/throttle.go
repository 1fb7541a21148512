package account

import (
	"sync"
	"time"
)

// throttleMaxAddresses bounds the addresses the throttle remembers; past
// it, addresses whose failures have all left the window are forgotten.
const throttleMaxAddresses = 10000

// throttle counts failed sign-ins per client address over a sliding
// window. It complements the per-account lockout that admin keeps in the
// database: the lockout stops guessing at one account, the throttle stops
// one address guessing across many. Its counts live in this process only,
// so behind several instances an address gets the limit at each; that is
// acceptable for a brake on guessing, and the lockout is shared.
type throttle struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	fails map[string][]time.Time // per address, oldest first, at most limit
}

func newThrottle(limit int, window time.Duration, now func() time.Time) *throttle {
	return &throttle{limit: limit, window: window, now: now, fails: map[string][]time.Time{}}
}

// wait returns how long addr must wait before its next sign-in attempt;
// zero when it may try now.
func (t *throttle) wait(addr string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	list := t.recent(addr, now)
	if len(list) < t.limit {
		return 0
	}
	return list[0].Add(t.window).Sub(now)
}

// fail records a failed sign-in from addr.
func (t *throttle) fail(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	list := append(t.recent(addr, now), now)
	if len(list) > t.limit {
		list = list[len(list)-t.limit:]
	}
	t.fails[addr] = list
	if len(t.fails) > throttleMaxAddresses {
		for a := range t.fails {
			t.recent(a, now)
		}
	}
}

// recent drops the failures of addr that left the window and returns the
// rest. t.mu must be held.
func (t *throttle) recent(addr string, now time.Time) []time.Time {
	list := t.fails[addr]
	cut := 0
	for cut < len(list) && !list[cut].Add(t.window).After(now) {
		cut++
	}
	if cut == 0 {
		return list
	}
	list = list[cut:]
	if len(list) == 0 {
		delete(t.fails, addr)
		return nil
	}
	t.fails[addr] = list
	return list
}
