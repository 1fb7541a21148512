package bench

import (
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"roster/internal/directory"
)

// generator makes realistic users: names that repeat with a skew (the
// common ones often, the rare ones seldom), unique usernames and emails
// derived from the names as people make them, a mix of statuses, and
// external ids, job titles and phones on some.
type generator struct {
	orgID   string
	rng     *rand.Rand
	first   *skewed
	last    *skewed
	seen    map[string]int // how often each username or email stem was used
	created time.Time      // when the first user was created
	step    time.Duration  // between two users' creation
	n       int
}

func newGenerator(orgID string, total int, seed uint64, now time.Time) *generator {
	span := 5 * 365 * 24 * time.Hour
	return &generator{
		orgID: orgID,
		rng:   rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		first: newSkewed(len(firstNames)),
		last:  newSkewed(len(lastNames)),
		seen:  make(map[string]int),
		// Creation times spread over five years up to now, in order.
		created: now.Add(-span).Truncate(time.Microsecond),
		step:    span / time.Duration(max(total, 1)),
	}
}

// skewed draws indexes 0..n-1 with weights 1/(i+30): with a few hundred
// names the first is drawn about 12 times as often as the last, roughly as
// surnames are spread in a population.
type skewed struct {
	cum []float64
}

func newSkewed(n int) *skewed {
	s := &skewed{cum: make([]float64, n)}
	var sum float64
	for i := range n {
		sum += 1 / float64(i+30)
		s.cum[i] = sum
	}
	for i := range s.cum {
		s.cum[i] /= sum
	}
	return s
}

func (s *skewed) pick(r *rand.Rand) int {
	return min(sort.SearchFloat64s(s.cum, r.Float64()), len(s.cum)-1)
}

// stem lowers s and keeps its letters, for usernames and emails.
func stem(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// unique returns base the first time it is given for a kind (username or
// email), then base2, base3, … Bases hold no digits, so the results never
// collide.
func (g *generator) unique(kind, base string) string {
	key := kind + ":" + base
	g.seen[key]++
	if n := g.seen[key]; n > 1 {
		return base + strconv.Itoa(n)
	}
	return base
}

var domains = []string{"example.org", "example.com", "example.net", "example.edu"}

// next returns a new user.
func (g *generator) next() *directory.User {
	r := g.rng
	first, last := firstNames[g.first.pick(r)], lastNames[g.last.pick(r)]
	fs, ls := stem(first), stem(last)
	initial, _ := firstRune(fs)
	created := g.created.Add(time.Duration(g.n) * g.step)
	g.n++
	u := &directory.User{
		ID:    uuid.Must(uuid.NewV7()).String(),
		OrgID: g.orgID,
		Profile: directory.Profile{
			Username:  g.unique("username", initial+ls),
			Email:     g.unique("email", fs+"."+ls) + "@" + domains[r.IntN(len(domains))],
			FirstName: first,
			LastName:  last,
			License:   directory.LicenseStandard,
		},
		CreatedBy: "bench",
		CreatedAt: created,
		UpdatedAt: created,
	}
	switch p := r.IntN(100); {
	case p < 85:
		u.Status = directory.StatusActive
	case p < 95:
		u.Status = directory.StatusPending
	default:
		u.Status = directory.StatusInactive
	}
	if r.IntN(100) < 40 {
		u.ExternalID = "E" + strconv.Itoa(1000000+g.n)
	}
	if r.IntN(100) < 70 {
		u.JobTitle = jobTitles[r.IntN(len(jobTitles))]
	}
	if r.IntN(100) < 50 {
		u.Phone = "+1 555 " + strconv.Itoa(1000000+r.IntN(9000000))
	}
	if r.IntN(100) < 10 {
		u.License = directory.LicensePremium
	}
	return u
}

func firstRune(s string) (string, bool) {
	for _, r := range s {
		return string(r), true
	}
	return "", false
}
