package admin_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

func TestAuthenticateToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		owner, err := f.svc.CreateOwner(f.ctx, f.org.ID, admin.OwnerInput{
			Email: "owner-" + randHex(3) + "@example.org", Password: testPassword, FirstName: "Olive", LastName: "Owner"})
		if err != nil {
			t.Fatal(err)
		}
		tok, secret, err := f.svc.CreateToken(f.ctx, f.op, admin.TokenInput{UserID: owner.ID, Name: " automation "})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "rst_") || !strings.HasPrefix(secret, tok.Prefix) || len(tok.Prefix) >= len(secret) ||
			tok.Name != "automation" || tok.UserID != owner.ID || !tok.ExpiresAt.IsZero() {
			t.Errorf("token %+v, secret %q", tok, secret)
		}

		f.clock.Advance(time.Hour)
		a, err := f.svc.AuthenticateToken(f.ctx, secret, "198.51.100.4", "req-1")
		if err != nil {
			t.Fatal(err)
		}
		if a.OrgID != f.org.ID || a.UserID != owner.ID || a.TokenID != tok.ID || a.Name != "Olive Owner" ||
			a.IP != "198.51.100.4" || a.RequestID != "req-1" || a.ImpersonatorID != "" {
			t.Errorf("actor %+v", a)
		}
		if a.Role == nil || a.Role.Key != directory.OwnerRoleKey || a.Grant == nil || a.Grant.RoleID != a.Role.ID {
			t.Fatalf("actor role %+v grant %+v, want the owner grant", a.Role, a.Grant)
		}
		for _, p := range directory.AllPermissions() {
			if !a.Can(p) {
				t.Errorf("the owner cannot %s", p)
			}
		}
		tokens, err := f.svc.Tokens(f.ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if len(tokens) != 1 || !tokens[0].LastUsedAt.Equal(f.clock.Now()) {
			t.Errorf("tokens after use: %+v, want one used at %v", tokens, f.clock.Now())
		}

		// Every unusable token gets the same answer.
		var message string
		unusable := func(name, secret string) {
			t.Helper()
			_, err := f.svc.AuthenticateToken(f.ctx, secret, "", "")
			wantKind(t, err, directory.KindUnauthorized)
			if message == "" {
				message = err.Error()
			}
			if err.Error() != message {
				t.Errorf("%s: message %q, want %q like the others", name, err.Error(), message)
			}
		}
		// usable makes an active user with the owner role and a working token.
		usable := func(expires time.Time) (*directory.User, *directory.Token, string) {
			t.Helper()
			u := f.activeUser(nil)
			f.grant(u, directory.OwnerRoleKey)
			tok, secret, err := f.svc.CreateToken(f.ctx, f.op, admin.TokenInput{UserID: u.ID, Name: "t", ExpiresAt: expires})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.AuthenticateToken(f.ctx, secret, "", ""); err != nil {
				t.Fatalf("a fresh token does not work: %v", err)
			}
			return u, tok, secret
		}

		_, revoked, s := usable(time.Time{})
		if _, err := f.svc.RevokeToken(f.ctx, f.op, revoked.ID); err != nil {
			t.Fatal(err)
		}
		unusable("revoked", s)

		_, _, s = usable(f.clock.Now().Add(time.Hour))
		f.clock.Advance(59 * time.Minute)
		if _, err := f.svc.AuthenticateToken(f.ctx, s, "", ""); err != nil {
			t.Errorf("a token a minute before expiry: %v", err)
		}
		f.clock.Advance(time.Minute)
		unusable("expired", s)

		u, _, s := usable(time.Time{})
		if _, err := f.svc.Disable(f.ctx, f.op, u.ID, 0); err != nil {
			t.Fatal(err)
		}
		unusable("user disabled", s)

		u, _, s = usable(time.Time{})
		f.arrange(u, func(u *directory.User) { u.LockedAt, u.LockReason = f.clock.Now(), "too many failed sign-ins" })
		unusable("user locked", s)

		u, _, s = usable(time.Time{})
		f.arrange(u, func(u *directory.User) { u.DeletedAt = f.clock.Now() }) // without the revocation Delete does
		unusable("user in the bin", s)

		u, _, s = usable(time.Time{})
		f.arrange(u, func(u *directory.User) { u.Status = directory.StatusPending })
		unusable("user pending", s)

		u, _, s = usable(time.Time{})
		if _, err := f.svc.UpdateUser(f.ctx, f.op, u.ID, 0, &admin.UserPatch{
			ExpiresAt: ptr(f.clock.Now().Add(-time.Hour).Format(time.RFC3339))}); err != nil {
			t.Fatal(err)
		}
		unusable("account expired", s)

		// A user whose every grant has ended is expired too. A grant that
		// is still current keeps the token working.
		u = f.activeUser(nil)
		f.grantUntil(u, directory.OwnerRoleKey, f.clock.Now().Add(time.Hour))
		f.grantUntil(u, "basic", f.clock.Now().Add(time.Minute))
		_, s = f.tokenActor(u, "", "")
		f.clock.Advance(30 * time.Minute)
		if a, err := f.svc.AuthenticateToken(f.ctx, s, "", ""); err != nil || a.Role == nil || a.Role.Key != directory.OwnerRoleKey {
			t.Errorf("with one current grant left: %+v, %v", a, err)
		}
		f.clock.Advance(30 * time.Minute)
		unusable("every grant expired", s)

		for name, bad := range map[string]string{
			"empty":            "",
			"prefix only":      "rst_",
			"no prefix":        strings.TrimPrefix(secret, "rst_"),
			"with scheme":      "Bearer " + secret,
			"upper case":       strings.ToUpper(secret),
			"one char changed": secret[:len(secret)-1] + map[bool]string{true: "b", false: "a"}[strings.HasSuffix(secret, "a")],
			"truncated":        secret[:len(secret)-1],
			"unknown":          "rst_" + strings.Repeat("a", 52),
			"very long":        "rst_" + strings.Repeat("a", 500),
		} {
			unusable(name, bad)
		}
		if _, err := f.svc.AuthenticateToken(f.ctx, secret, "", ""); err != nil {
			t.Errorf("the owner's token stopped working: %v", err)
		}
	})
}

func TestTokensStayInTheirOrganization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		mine := f.activeUser(nil)
		f.grant(mine, directory.OwnerRoleKey)
		_, mySecret := f.tokenActor(mine, "", "")
		myTokens, err := f.svc.Tokens(f.ctx, f.op)
		if err != nil || len(myTokens) != 1 {
			t.Fatalf("tokens: %v, %v", myTokens, err)
		}

		otherOrg, otherOp := f.newOrg()
		in := input()
		stranger, err := f.svc.CreateUser(f.ctx, otherOp, in)
		if err != nil {
			t.Fatal(err)
		}
		stranger = f.setPassword(stranger)
		f.grant(stranger, directory.OwnerRoleKey)
		a, _ := f.tokenActor(stranger, "", "")
		if a.OrgID != otherOrg.ID || a.Role == nil || a.Role.Key != directory.OwnerRoleKey {
			t.Fatalf("the other organization's owner: %+v", a)
		}

		_, err = f.svc.User(f.ctx, a, mine.ID)
		wantKind(t, err, directory.KindNotFound)
		_, err = f.svc.UpdateUser(f.ctx, a, mine.ID, 0, &admin.UserPatch{JobTitle: ptr("x")})
		wantKind(t, err, directory.KindNotFound)
		_, err = f.svc.Disable(f.ctx, a, mine.ID, 0)
		wantKind(t, err, directory.KindNotFound)
		_, err = f.svc.RevokeToken(f.ctx, a, myTokens[0].ID)
		wantKind(t, err, directory.KindNotFound)
		_, _, err = f.svc.CreateToken(f.ctx, a, admin.TokenInput{UserID: mine.ID, Name: "steal"})
		wantKind(t, err, directory.KindNotFound)
		page, err := f.svc.ListUsers(f.ctx, a, store.UserFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Users) != 1 || page.Users[0].ID != stranger.ID || page.Total != 1 {
			t.Errorf("the other organization lists %d users (total %d), want only its own", len(page.Users), page.Total)
		}
		tokens, err := f.svc.Tokens(f.ctx, a)
		if err != nil || len(tokens) != 1 || tokens[0].UserID != stranger.ID {
			t.Errorf("the other organization's tokens: %v, %v", tokens, err)
		}
		if _, err := f.svc.AuthenticateToken(f.ctx, mySecret, "", ""); err != nil {
			t.Errorf("my token: %v", err)
		}
	})
}

func TestCreateAndRevokeToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		u := f.activeUser(nil)
		f.grant(u, "basic")
		a, _ := f.tokenActor(u, "", "")
		other := f.activeUser(nil)

		for _, tc := range []struct {
			in   admin.TokenInput
			want []directory.FieldError
		}{
			{admin.TokenInput{Name: "  "}, fieldErrs("name", "is required")},
			{admin.TokenInput{Name: strings.Repeat("n", 101)}, fieldErrs("name", "must be at most 100 characters")},
			{admin.TokenInput{Name: "old", ExpiresAt: f.clock.Now()}, fieldErrs("expires_at", "must be in the future")},
		} {
			_, _, err := f.svc.CreateToken(f.ctx, a, tc.in)
			wantKind(t, err, directory.KindInvalid)
			if diff := cmp.Diff(tc.want, fieldErrors(err)); diff != "" {
				t.Errorf("CreateToken(%q) (-want +got):\n%s", tc.in.Name, diff)
			}
		}

		// Anyone makes and revokes their own tokens; others' take settings.manage.
		before := f.eventIDs()
		own, _, err := f.svc.CreateToken(f.ctx, a, admin.TokenInput{Name: "mine", ExpiresAt: f.clock.Now().Add(time.Hour)})
		if err != nil || own.UserID != u.ID {
			t.Fatalf("own token: %+v, %v", own, err)
		}
		ev := f.oneEvent(before, "token.create")
		wantChanges := []directory.Change{{Field: "expires_at", After: f.clock.Now().Add(time.Hour).Format(time.RFC3339)},
			{Field: "name", After: "mine"}, {Field: "user_id", After: u.ID}}
		if diff := cmp.Diff(wantChanges, ev.Changes); diff != "" {
			t.Errorf("token.create changes (-want +got):\n%s", diff)
		}
		_, _, err = f.svc.CreateToken(f.ctx, a, admin.TokenInput{UserID: other.ID, Name: "theirs"})
		wantKind(t, err, directory.KindForbidden)
		theirs, _, err := f.svc.CreateToken(f.ctx, f.op, admin.TokenInput{UserID: other.ID, Name: "theirs"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.RevokeToken(f.ctx, a, theirs.ID)
		wantKind(t, err, directory.KindNotFound)
		listed, err := f.svc.Tokens(f.ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range listed {
			if tok.UserID != u.ID {
				t.Errorf("a user without settings.manage sees the token %s of %s", tok.Name, tok.UserID)
			}
		}

		before = f.eventIDs()
		revoked, err := f.svc.RevokeToken(f.ctx, a, own.ID)
		if err != nil || !revoked.RevokedAt.Equal(f.clock.Now()) {
			t.Fatalf("revoke own token: %+v, %v", revoked, err)
		}
		f.oneEvent(before, "token.revoke")
		before = f.eventIDs()
		again, err := f.svc.RevokeToken(f.ctx, a, own.ID)
		if err != nil || !again.RevokedAt.Equal(revoked.RevokedAt) {
			t.Errorf("revoke twice: %+v, %v", again, err)
		}
		f.noEvent(before)

		// Only active users get tokens.
		pending := f.createUser(nil)
		_, _, err = f.svc.CreateToken(f.ctx, f.op, admin.TokenInput{UserID: pending.ID, Name: "p"})
		wantKind(t, err, directory.KindConflict)
		_, _, err = f.svc.CreateToken(f.ctx, f.op, admin.TokenInput{UserID: "no-such-user", Name: "p"})
		wantKind(t, err, directory.KindNotFound)
	})
}
