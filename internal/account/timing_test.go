package account_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"roster/internal/store/storetest"
)

// timingTries is how many requests of each kind the timing tests time.
const timingTries = 200

// TestSignInTimingAlike times failed sign-ins of an unknown user and of a
// known user with a wrong password, interleaved so that drift in the
// machine's speed touches both alike, and checks that their medians are
// closer than the test can tell apart: within a small fraction of the
// median, which is mostly the one argon2id computation every path spends.
func TestSignInTimingAlike(t *testing.T) {
	if testing.Short() {
		t.Skip("times 400 sign-ins per engine")
	}
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixtureWith(t, e, options{failures: 10 * timingTries})
		knownUser := f.user("Timed", "staff")
		b := f.browser()
		form := func(login string) url.Values {
			return url.Values{"username": {login}, "password": {"a wrong password of some length"}}
		}
		unknown := "x" + knownUser.Username[1:]
		rounds(t, "sign-in", func(i int, known bool) time.Duration {
			// The known account's failure count goes back to zero between
			// tries (untimed), so that every try is a failure of an account
			// that is not locked: the case an attacker probes.
			if _, err := f.e.DB.ClearAttempts(f.ctx, f.org.ID, knownUser.ID); err != nil {
				t.Fatal(err)
			}
			login := unknown
			if known {
				login = knownUser.Username
			}
			start := time.Now()
			r := b.post("/login", form(login))
			d := time.Since(start)
			if r.Code != http.StatusUnauthorized {
				t.Fatalf("try %d: %s", i, r)
			}
			return d
		})
	})
}

// TestForgotTimingAlike does the same for "forgot password", where the
// known account gets a link written and the unknown one nothing.
func TestForgotTimingAlike(t *testing.T) {
	if testing.Short() {
		t.Skip("times 400 requests per engine")
	}
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		known := f.user("Forgetful", "staff")
		b := f.browser()
		rounds(t, "forgot password", func(i int, isKnown bool) time.Duration {
			login := "nobody-" + known.Email
			if isKnown {
				login = known.Email
			}
			start := time.Now()
			r := b.post("/forgot", url.Values{"username": {login}})
			d := time.Since(start)
			if r.Code != http.StatusOK {
				t.Fatalf("try %d: %s", i, r)
			}
			return d
		})
	})
}

// rounds times timingTries tries of each kind, interleaved, with try
// (known says which kind), and fails when the medians of the two kinds
// differ by more than 5% of the smaller one: a gap that large shows in 200
// tries. The machine running the tests may be busy with other tests, so a
// round that shows a gap is taken again, up to three rounds; a real gap
// shows in every one.
func rounds(t *testing.T, what string, try func(i int, known bool) time.Duration) {
	t.Helper()
	const maxRounds = 3
	for round := 1; ; round++ {
		var tu, tk []time.Duration
		for i := range 2 * timingTries {
			if i%2 == 1 {
				tk = append(tk, try(i, true))
			} else {
				tu = append(tu, try(i, false))
			}
		}
		mu, mk := median(tu), median(tk)
		gap := mk - mu
		if gap < 0 {
			gap = -gap
		}
		t.Logf("%s, round %d: median %v for an unknown account, %v for a known one (gap %v, %.1f%%)", what, round, mu, mk, gap,
			100*float64(gap)/float64(min(mu, mk)))
		if gap*20 <= min(mu, mk) {
			return
		}
		if round == maxRounds {
			t.Errorf("%s: the medians differ by %v (%v unknown, %v known) in %d rounds: timing tells the accounts apart",
				what, gap, mu, mk, maxRounds)
			return
		}
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
