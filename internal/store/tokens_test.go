package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roster/internal/directory"
	"roster/internal/store/storetest"
)

func tokenIDs(tokens []*directory.Token) []string {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		out[i] = t.ID
	}
	return out
}

func TestTokens(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		alice := createUser(t, db, o.ID, nil)
		bob := createUser(t, db, o.ID, nil)

		mk := func(u *directory.User, name string, created time.Duration) (*directory.Token, string) {
			t.Helper()
			tok := &directory.Token{ID: newID(), OrgID: o.ID, UserID: u.ID, Name: name, Prefix: "rst_" + randHex(2),
				CreatedBy: alice.ID, CreatedAt: at(created), ExpiresAt: at(created + 24*time.Hour)}
			hash := "sha256:" + randHex(16)
			if err := db.CreateToken(ctx, tok, hash); err != nil {
				t.Fatal(err)
			}
			return tok, hash
		}
		a1, a1hash := mk(alice, "ci", 0)
		a2, a2hash := mk(alice, "deploy", time.Minute)
		b1, b1hash := mk(bob, "sync", 2*time.Minute)

		got, err := db.TokenByHash(ctx, a1hash)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(a1, got); diff != "" {
			t.Errorf("TokenByHash (-created +read):\n%s", diff)
		}
		got, err = db.Token(ctx, o.ID, b1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(b1, got); diff != "" {
			t.Errorf("Token (-created +read):\n%s", diff)
		}
		_, err = db.TokenByHash(ctx, "sha256:unknown")
		wantKind(t, err, directory.KindNotFound)
		other := createOrg(t, db)
		_, err = db.Token(ctx, other.ID, a1.ID)
		wantKind(t, err, directory.KindNotFound)

		// A hash is unique across organizations.
		dup := &directory.Token{ID: newID(), OrgID: o.ID, UserID: bob.ID, Name: "dup", Prefix: "rst_", CreatedAt: baseTime}
		if err := db.CreateToken(ctx, dup, a1hash); err == nil {
			t.Error("CreateToken accepted a hash that is already stored")
		}

		all, err := db.Tokens(ctx, o.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{b1.ID, a2.ID, a1.ID}, tokenIDs(all)); diff != "" {
			t.Errorf("Tokens, newest first (-want +got):\n%s", diff)
		}
		mine, err := db.Tokens(ctx, o.ID, alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{a2.ID, a1.ID}, tokenIDs(mine)); diff != "" {
			t.Errorf("Tokens of one user (-want +got):\n%s", diff)
		}
		if none, err := db.Tokens(ctx, other.ID, ""); err != nil || len(none) != 0 {
			t.Errorf("Tokens of another organization = %d, %v", len(none), err)
		}

		// Revoking keeps the first time.
		if err := db.RevokeToken(ctx, o.ID, a1.ID, at(time.Hour).UnixMicro()); err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeToken(ctx, o.ID, a1.ID, at(2*time.Hour).UnixMicro()); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.TokenByHash(ctx, a1hash); !got.RevokedAt.Equal(at(time.Hour)) {
			t.Errorf("revoked at %v; want %v", got.RevokedAt, at(time.Hour))
		}
		// Another organization cannot revoke it.
		if err := db.RevokeToken(ctx, other.ID, b1.ID, at(time.Hour).UnixMicro()); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.TokenByHash(ctx, b1hash); !got.RevokedAt.IsZero() {
			t.Error("another organization revoked the token")
		}

		// RevokeUserTokens revokes the live tokens of one user only.
		if err := db.RevokeUserTokens(ctx, o.ID, alice.ID, at(3*time.Hour).UnixMicro()); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			hash string
			want time.Time
		}{{a1hash, at(time.Hour)}, {a2hash, at(3 * time.Hour)}, {b1hash, time.Time{}}} {
			got, err := db.TokenByHash(ctx, c.hash)
			if err != nil {
				t.Fatal(err)
			}
			if !got.RevokedAt.Equal(c.want) {
				t.Errorf("token %s revoked at %v; want %v", got.Name, got.RevokedAt, c.want)
			}
		}
	})
}

func TestTouchToken(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		u := createUser(t, db, o.ID, nil)
		tok := &directory.Token{ID: newID(), OrgID: o.ID, UserID: u.ID, Name: "t", Prefix: "p", CreatedAt: baseTime}
		if err := db.CreateToken(ctx, tok, "hash-"+newID()); err != nil {
			t.Fatal(err)
		}
		lastUsed := func() time.Time {
			t.Helper()
			got, err := db.Token(ctx, o.ID, tok.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.LastUsedAt
		}
		touch := func(d time.Duration) {
			t.Helper()
			if err := db.TouchToken(ctx, tok.ID, at(d).UnixMicro()); err != nil {
				t.Fatal(err)
			}
		}
		if !lastUsed().IsZero() {
			t.Fatal("a new token has been used")
		}
		for _, step := range []struct {
			touch time.Duration
			want  time.Duration
		}{
			{0, 0},                // the first use is always written
			{30 * time.Second, 0}, // within the minute: skipped
			{59 * time.Second, 0}, // still within it
			{60 * time.Second, 0}, // exactly a minute: skipped too
			{60*time.Second + time.Microsecond, 60*time.Second + time.Microsecond}, // past it
			{90 * time.Second, 60*time.Second + time.Microsecond},
			{10 * time.Minute, 10 * time.Minute},
			{5 * time.Minute, 10 * time.Minute}, // an earlier time never goes back
		} {
			touch(step.touch)
			if got := lastUsed(); !got.Equal(at(step.want)) {
				t.Errorf("after a use at +%v: last used at +%v; want +%v", step.touch, got.Sub(baseTime), step.want)
			}
		}
	})
}
