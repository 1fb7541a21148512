package bench

import (
	"testing"
	"time"

	"roster/internal/directory"
)

func TestGeneratorMakesValidUniqueUsers(t *testing.T) {
	const n = 50000
	g := newGenerator("org", n, 1, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	usernames, emails, externals := map[string]bool{}, map[string]bool{}, map[string]bool{}
	statuses := map[directory.Status]int{}
	lasts := map[string]int{}
	var prev time.Time
	for range n {
		u := g.next()
		var v directory.Validation
		directory.ValidateProfile(&u.Profile, &v)
		if err := v.Err(); err != nil {
			t.Fatalf("user %+v is not valid: %v", u.Profile, err)
		}
		for _, k := range []struct {
			seen map[string]bool
			key  string
		}{{usernames, directory.FoldKey(u.Username)}, {emails, directory.FoldKey(u.Email)}, {externals, u.ExternalID}} {
			if k.key == "" {
				continue
			}
			if k.seen[k.key] {
				t.Fatalf("%q is used twice", k.key)
			}
			k.seen[k.key] = true
		}
		if !u.CreatedAt.After(prev) {
			t.Fatalf("creation times are not increasing: %v after %v", u.CreatedAt, prev)
		}
		prev = u.CreatedAt
		statuses[u.Status]++
		lasts[u.LastName]++
	}
	for st, want := range map[directory.Status]float64{
		directory.StatusActive: 0.85, directory.StatusPending: 0.10, directory.StatusInactive: 0.05,
	} {
		if got := float64(statuses[st]) / n; got < want-0.01 || got > want+0.01 {
			t.Errorf("%.3f of the users are %s; want about %.2f", got, st, want)
		}
	}
	if ext := float64(len(externals)) / n; ext < 0.35 || ext > 0.45 {
		t.Errorf("%.2f of the users have an external id; want about 0.40", ext)
	}
	// Last names repeat, the common ones more than the rare ones.
	if len(lasts) < len(lastNames)*9/10 {
		t.Errorf("only %d of %d last names were drawn", len(lasts), len(lastNames))
	}
	if lasts["Smith"] < 5*lasts["Ivanov"] {
		t.Errorf("Smith drawn %d times, Ivanov %d: want a skew towards the common names", lasts["Smith"], lasts["Ivanov"])
	}
}

func BenchmarkGenerator(b *testing.B) {
	g := newGenerator("org", b.N, 1, time.Now())
	for b.Loop() {
		g.next()
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 200; i++ {
		d = append(d, time.Duration(i))
	}
	for _, c := range []struct{ p, want int }{{50, 100}, {95, 190}, {99, 198}, {100, 200}} {
		if got := percentile(d, c.p); got != time.Duration(c.want) {
			t.Errorf("percentile(1..200, %d) = %d; want %d", c.p, got, c.want)
		}
	}
	if got := percentile(d[:1], 95); got != 1 {
		t.Errorf("percentile of one value = %d; want it", got)
	}
}
