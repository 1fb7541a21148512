package admin_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/bcrypt"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// setTemporary sets a password of u as the operator, reporting the error.
func (f *signinFixture) setTemporary(u *directory.User, password string) error {
	_, err := f.svc.ResetPassword(f.ctx, f.op, u.ID, admin.ResetInput{Method: admin.ResetByTemporary, Password: password})
	return err
}

// wantPasswordRefused asserts err is KindInvalid with a problem on the
// field "password".
func wantPasswordRefused(t *testing.T, what string, err error) {
	t.Helper()
	if directory.KindOf(err) != directory.KindInvalid {
		t.Errorf("%s: %v, want KindInvalid", what, err)
		return
	}
	fields := fieldErrors(err)
	if len(fields) == 0 || !slices.ContainsFunc(fields, func(fe directory.FieldError) bool { return fe.Field == "password" }) {
		t.Errorf("%s: field errors %+v, want one on password", what, fields)
	}
}

func TestPasswordMinimumLength(t *testing.T) {
	const (
		len7  = "zq8vtkw"
		len8  = "zq8vtkwp"
		len14 = "zq8vtkwpmrlxnh"
		len15 = "zq8vtkwpmrlxnhb"
	)
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		criteria := func(u *directory.User) string {
			t.Helper()
			id := ""
			if u != nil {
				id = u.ID
			}
			c, err := f.svc.PasswordCriteria(f.ctx, f.org.ID, id)
			if err != nil || len(c) == 0 {
				t.Fatalf("PasswordCriteria: %v, %v", c, err)
			}
			return c[0]
		}
		// The password as the only factor: 15.
		plain := f.userWith("staff")
		if got := criteria(plain); got != "At least 15 characters." {
			t.Errorf("criteria without MFA: %q", got)
		}
		if got := criteria(nil); got != "At least 15 characters." {
			t.Errorf("criteria for a new user: %q", got)
		}
		wantPasswordRefused(t, "14 characters without MFA", f.setTemporary(plain, len14))
		if err := f.setTemporary(plain, len15); err != nil {
			t.Errorf("15 characters without MFA: %v", err)
		}

		// MFA required by the role, by the user's checkbox, or by the
		// organization: 8.
		role, err := f.svc.CreateRole(f.ctx, f.op, admin.RoleInput{Name: "Clinician " + randHex(2), Level: 30, MFARequired: true})
		if err != nil {
			t.Fatal(err)
		}
		byRole := f.activeUser(nil)
		if err := f.db.CreateGrant(f.ctx, &directory.Grant{ID: "g-" + randHex(8), OrgID: f.org.ID, UserID: byRole.ID,
			RoleID: role.ID, CreatedAt: f.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		byBox := f.userWith("staff")
		if _, err := f.svc.SetMFARequired(f.ctx, f.op, byBox.ID, true, 0); err != nil {
			t.Fatal(err)
		}
		for _, u := range []*directory.User{byRole, byBox} {
			if got := criteria(u); got != "At least 8 characters." {
				t.Errorf("criteria with MFA required: %q", got)
			}
			wantPasswordRefused(t, "7 characters with MFA", f.setTemporary(u, len7))
		}
		if err := f.setTemporary(byRole, len8); err != nil {
			t.Errorf("8 characters, MFA required by the role: %v", err)
		}
		if err := f.setTemporary(byBox, len8); err != nil {
			t.Errorf("8 characters, MFA required by the checkbox: %v", err)
		}
		if got := criteria(plain); got != "At least 15 characters." {
			t.Errorf("criteria of another user: %q", got)
		}
		f.policy(func(p *directory.SecurityPolicy) { p.MFARequired = true })
		if got := criteria(plain); got != "At least 8 characters." {
			t.Errorf("criteria with MFA required by the organization: %q", got)
		}
		if got := criteria(nil); got != "At least 8 characters." {
			t.Errorf("criteria for a new user, MFA required by the organization: %q", got)
		}
		f.policy(func(p *directory.SecurityPolicy) { p.MFARequired = false; p.PasswordMinLength = 20 })
		if got := criteria(plain); got != "At least 20 characters." {
			t.Errorf("criteria with a minimum of 20: %q", got)
		}
		wantPasswordRefused(t, "15 characters with a minimum of 20", f.setTemporary(plain, len15+"abcd"))
	})
}

func TestPasswordContent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		u := f.userWith("staff")

		// Long passwords and any Unicode are accepted, and work.
		long := "Zürich ist schön im Frühling, пароль не угадать никогда, 密码学很有趣 🔑🦄 " + randHex(8)
		if n := len([]rune(long)); n < 64 {
			t.Fatalf("the long password has %d characters", n)
		}
		if err := f.setTemporary(u, long); err != nil {
			t.Fatalf("a long Unicode password: %v", err)
		}
		f.mustSignInWith(u, long)
		longer := strings.Repeat("blue thunder ", 15) + randHex(8) // 211 characters
		if err := f.setTemporary(u, longer); err != nil {
			t.Errorf("a 211-character password: %v", err)
		}

		for _, pw := range []string{
			"passwordpassword123",
			"PasswordPasswordPassword",
			"qwertyuiopasdfghjkl",
			"aaaaaaaaaaaaaaaaaaaa",
			u.Username + " tundra quokka",
			"my name is " + strings.ToLower(u.LastName) + " ok",
			strings.ToUpper(u.Email) + "!",
		} {
			wantPasswordRefused(t, pw, f.setTemporary(u, pw))
		}

		// Composition criteria only when the organization turns them on.
		const plain = "violet tundra maple quokka"
		if err := f.setTemporary(u, plain); err != nil {
			t.Fatalf("%q without composition criteria: %v", plain, err)
		}
		f.policy(func(p *directory.SecurityPolicy) {
			p.RequireUpper, p.RequireLower, p.RequireDigit, p.RequireSymbol = true, true, true, true
		})
		c, err := f.svc.PasswordCriteria(f.ctx, f.org.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"At least one upper-case letter.", "At least one lower-case letter.", "At least one digit.",
			"At least one symbol (a character that is not a letter, digit or space)."} {
			if !slices.Contains(c, want) {
				t.Errorf("criteria %q lack %q", c, want)
			}
		}
		for _, pw := range []string{plain, "Violet tundra maple quokka", "Violet tundra maple quokka 7", "VIOLET TUNDRA MAPLE 7!"} {
			wantPasswordRefused(t, pw+" with composition criteria", f.setTemporary(u, pw))
		}
		if err := f.setTemporary(u, "Violet tundra maple quokka 7!"); err != nil {
			t.Errorf("a password meeting every criterion: %v", err)
		}
	})
}

func TestImportedHashIsUpgraded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		const imported = "an imported password 9"
		b, err := bcrypt.GenerateFromPassword([]byte(imported), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		u := f.createUser(nil)
		u.Status = directory.StatusActive
		if err := f.db.SetPassword(f.ctx, u, string(b)); err != nil {
			t.Fatal(err)
		}
		f.refusedSignIn(u, "not the imported one")
		if h, _ := f.db.PasswordHash(f.ctx, f.org.ID, u.ID); h != string(b) {
			t.Fatalf("a failed sign-in replaced the hash with %q", h)
		}
		f.mustSignInWith(u, imported)
		h, err := f.db.PasswordHash(f.ctx, f.org.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(h, "$argon2id$") {
			t.Fatalf("after signing in with a bcrypt hash, the stored hash is %q, want argon2id", h)
		}
		f.mustSignInWith(u, imported)
		if h2, _ := f.db.PasswordHash(f.ctx, f.org.ID, u.ID); h2 != h {
			t.Error("an argon2id hash was replaced again")
		}
	})
}

func TestResetByLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		_, adm := f.actorWith("administrator", nil)
		u := f.userWith("staff")
		s, tok := f.mustSignIn(u), f.token(u)

		before := f.eventIDs()
		res, err := f.svc.ResetPassword(f.ctx, adm, u.ID, admin.ResetInput{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Method != admin.ResetByLink || res.LinkSentTo != u.Email || res.User.ID != u.ID {
			t.Errorf("reset result %+v", res)
		}
		ev := f.oneEvent(before, "user.reset_password")
		if ev.ActorID != adm.UserID {
			t.Errorf("reset event actor %q", ev.ActorID)
		}
		for _, c := range ev.Changes {
			if strings.Contains(fmt.Sprint(c.Before, c.After), "rsr_") {
				t.Errorf("the audit event holds the link secret: %+v", c)
			}
		}
		ms := f.mails("password_reset", u.Email)
		if len(ms) != 1 || !strings.Contains(ms[0].Text, signinBaseURL+"/reset/") {
			t.Fatalf("reset mails %+v", ms)
		}
		first := linkSecret(t, ms[0])
		// Issuing a link changes nothing yet.
		f.resolve(s.Secret)

		// A newer link voids the older.
		if _, err := f.svc.ResetPassword(f.ctx, adm, u.ID, admin.ResetInput{Method: admin.ResetByLink}); err != nil {
			t.Fatal(err)
		}
		second := linkSecret(t, f.mails("password_reset", u.Email)[0])
		if second == first {
			t.Fatal("the second link is the first")
		}
		_, err = f.svc.OpenResetLink(f.ctx, first)
		wantKind(t, err, directory.KindNotFound)
		open, err := f.svc.OpenResetLink(f.ctx, second)
		if err != nil {
			t.Fatal(err)
		}
		if open.User.ID != u.ID || open.Question != "" || len(open.Criteria) == 0 {
			t.Errorf("opened link %+v", open)
		}
		_, err = f.svc.CompleteReset(f.ctx, first, "", newPassword, client)
		wantKind(t, err, directory.KindNotFound)

		// A weak password leaves the link usable.
		_, err = f.svc.CompleteReset(f.ctx, second, "", "password", client)
		wantPasswordRefused(t, "a weak password through the link", err)
		if _, err := f.svc.CompleteReset(f.ctx, second, "", newPassword, client); err != nil {
			t.Fatal(err)
		}
		f.sessionEnded("after the reset", s.Secret)
		if f.tokenWorks(tok) {
			t.Error("the token works after the reset")
		}
		f.refusedSignIn(u, testPassword)
		f.mustSignInWith(u, newPassword)
		// Used once, the link is dead.
		_, err = f.svc.CompleteReset(f.ctx, second, "", newPassword+"x", client)
		wantKind(t, err, directory.KindNotFound)
		_, err = f.svc.OpenResetLink(f.ctx, second)
		wantKind(t, err, directory.KindNotFound)

		// No link for a pending user.
		_, err = f.svc.ResetPassword(f.ctx, adm, f.createUser(nil).ID, admin.ResetInput{})
		wantKind(t, err, directory.KindConflict)
	})
}

// TestResetResultHoldsNoSecret checks the shape of what an administrator
// gets back from a reset: no password, hash, link or secret.
func TestResetResultHoldsNoSecret(t *testing.T) {
	var names []string
	typ := reflect.TypeFor[admin.ResetResult]()
	for i := range typ.NumField() {
		names = append(names, typ.Field(i).Name)
	}
	if diff := cmp.Diff([]string{"User", "Method", "LinkSentTo"}, names); diff != "" {
		t.Errorf("ResetResult fields (-want +got):\n%s", diff)
	}
	users := reflect.TypeFor[directory.User]()
	for _, f := range reflect.VisibleFields(users) {
		name := strings.ToLower(f.Name)
		if f.Type.Kind() == reflect.String && (strings.Contains(name, "password") || strings.Contains(name, "hash") ||
			strings.Contains(name, "secret") || strings.Contains(name, "totp")) {
			t.Errorf("directory.User carries %s", f.Name)
		}
	}
}

func TestTemporaryPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		_, adm := f.actorWith("administrator", nil)
		u := f.userWith("staff")
		g := f.grant(u, "supervisor")
		const temporary = "temporary quokka tundra 5"
		res, err := f.svc.ResetPassword(f.ctx, adm, u.ID, admin.ResetInput{Method: admin.ResetByTemporary, Password: temporary})
		if err != nil {
			t.Fatal(err)
		}
		if res.Method != admin.ResetByTemporary || res.LinkSentTo != "" || !res.User.MustChangePassword {
			t.Errorf("result %+v", res)
		}
		if !f.reload(u.ID).MustChangePassword {
			t.Fatal("a temporary password does not have to be changed")
		}
		if len(f.mails("password_changed", u.Email)) != 1 {
			t.Error("no password_changed mail")
		}

		s := f.mustSignInWith(u, temporary)
		st := f.resolve(s.Secret)
		if st.Gate != admin.GateChangePassword {
			t.Fatalf("gate %q, want %q", st.Gate, admin.GateChangePassword)
		}
		// Nothing else goes until the password is changed.
		if st.Actor.Can("users.view") {
			t.Error("the gated actor holds permissions")
		}
		_, err = f.svc.ChooseGrant(f.ctx, st, g.ID)
		wantKind(t, err, directory.KindForbidden)
		_, err = f.svc.StartTOTP(f.ctx, st)
		wantKind(t, err, directory.KindForbidden)
		_, err = f.svc.StartImpersonation(f.ctx, st, f.userWith("").ID, temporary, "reason")
		wantKind(t, err, directory.KindForbidden)
		if st := f.resolve(s.Secret); st.Gate != admin.GateChangePassword {
			t.Fatalf("gate %q after refused calls", st.Gate)
		}

		// The current password must be right, and a wrong one counts.
		_, err = f.svc.ChangeOwnPassword(f.ctx, st, "not the temporary one", newPassword)
		wantKind(t, err, directory.KindInvalid)
		if got := fieldErrors(err); len(got) != 1 || got[0].Field != "current_password" {
			t.Errorf("field errors %+v, want current_password", got)
		}
		if got := f.reload(u.ID).FailedAttempts; got != 1 {
			t.Errorf("failed attempts after a wrong current password: %d", got)
		}
		_, err = f.svc.ChangeOwnPassword(f.ctx, st, temporary, temporary)
		wantPasswordRefused(t, "the same password again", err)

		fresh, err := f.svc.ChangeOwnPassword(f.ctx, st, temporary, newPassword)
		if err != nil {
			t.Fatal(err)
		}
		f.sessionEnded("the gated secret", s.Secret)
		if st := f.resolve(fresh); st.Gate != "" {
			t.Errorf("gate %q after changing the password", st.Gate)
		}
		if got := f.reload(u.ID); got.MustChangePassword || got.FailedAttempts != 0 {
			t.Errorf("after the change: must change %v, failed attempts %d", got.MustChangePassword, got.FailedAttempts)
		}
		f.mustSignInWith(u, newPassword)
		f.refusedSignIn(u, temporary)

		// Told not to, the user keeps a set password.
		if _, err := f.svc.ResetPassword(f.ctx, adm, u.ID, admin.ResetInput{Method: admin.ResetByTemporary, Password: temporary,
			RequireChange: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		if f.reload(u.ID).MustChangePassword {
			t.Error("RequireChange false still requires a change")
		}
		// Nobody resets their own password this way.
		_, err = f.svc.ResetPassword(f.ctx, adm, adm.UserID, admin.ResetInput{Method: admin.ResetByTemporary, Password: temporary})
		wantKind(t, err, directory.KindConflict)
	})
}

func TestCreatePasswordForPending(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		pending := f.createUser(nil)
		f.refusedSignIn(pending, "")
		res, err := f.svc.ResetPassword(f.ctx, f.op, pending.ID, admin.ResetInput{Method: admin.ResetByCreate, Password: newPassword})
		if err != nil {
			t.Fatal(err)
		}
		got := f.reload(pending.ID)
		if got.Status != directory.StatusActive || !got.HasPassword || got.MustChangePassword || res.User.Status != directory.StatusActive {
			t.Errorf("after create: status %s, has password %v, must change %v", got.Status, got.HasPassword, got.MustChangePassword)
		}
		f.mustSignInWith(pending, newPassword)
		_, err = f.svc.ResetPassword(f.ctx, f.op, pending.ID, admin.ResetInput{Method: admin.ResetByCreate, Password: newPassword + "x"})
		wantKind(t, err, directory.KindConflict)
		_, err = f.svc.ResetPassword(f.ctx, f.op, pending.ID, admin.ResetInput{Method: "sms"})
		wantKind(t, err, directory.KindInvalid)
	})
}

// TestResetOfLockedAccount checks the documented rule that a locked account
// is unlocked before its password is reset, whichever the method.
func TestResetOfLockedAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		u := f.userWith("staff")
		f.lockOut(u)
		for _, in := range []admin.ResetInput{{Method: admin.ResetByLink}, {Method: admin.ResetByTemporary, Password: newPassword}} {
			_, err := f.svc.ResetPassword(f.ctx, f.op, u.ID, in)
			if directory.KindOf(err) != directory.KindConflict {
				t.Errorf("ResetPassword(%s) of a locked account: %v, want KindConflict", in.Method, err)
			}
		}
	})
}

func TestForgotPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		active := f.userWith("staff")
		locked := f.userWith("staff")
		f.lockOut(locked)
		disabled := f.arrange(f.userWith("staff"), func(u *directory.User) { u.Status = directory.StatusInactive })
		pending := f.createUser(nil)
		deleted := f.arrange(f.createUser(nil), func(u *directory.User) { u.DeletedAt = f.clock.Now() })
		mailsBefore := len(f.mails("password_reset", ""))

		for _, login := range []string{"nobody-" + randHex(3), "nobody@example.org", "", locked.Username, locked.Email,
			disabled.Username, pending.Username, pending.Email, deleted.Username} {
			if err := f.svc.ForgotPassword(f.ctx, f.org.ID, login, client); err != nil {
				t.Errorf("ForgotPassword(%q): %v", login, err)
			}
		}
		if n := len(f.mails("password_reset", "")); n != mailsBefore {
			t.Fatalf("%d reset mails for unknown, locked, disabled, pending and deleted users", n-mailsBefore)
		}
		// By email, in any case.
		if err := f.svc.ForgotPassword(f.ctx, f.org.ID, " "+strings.ToUpper(active.Email)+" ", client); err != nil {
			t.Fatal(err)
		}
		ms := f.mails("password_reset", active.Email)
		if len(ms) != 1 {
			t.Fatalf("%d reset mails for the active user, want 1", len(ms))
		}
		first := linkSecret(t, ms[0])
		second := f.forgot(active)
		_, err := f.svc.OpenResetLink(f.ctx, first)
		wantKind(t, err, directory.KindNotFound)
		if _, err := f.svc.OpenResetLink(f.ctx, second); err != nil {
			t.Errorf("the newest link: %v", err)
		}
		// The login is looked up in the organization asked.
		other, _ := f.newOrg()
		if err := f.svc.ForgotPassword(f.ctx, other.ID, active.Username, client); err != nil {
			t.Fatal(err)
		}
		if ms, err := f.db.Mails(f.ctx, other.ID, 10); err != nil || len(ms) != 0 {
			t.Errorf("another organization's outbox: %d mails, %v", len(ms), err)
		}
		if n := len(f.mails("password_reset", active.Email)); n != 2 {
			t.Errorf("%d reset mails after asking in another organization, want 2", n)
		}
	})
}

func TestResetLinkExpires(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		f.policy(func(p *directory.SecurityPolicy) { p.ResetLinkMinutes = 10 })
		u := f.userWith("")
		link := f.forgot(u)
		if m := f.mails("password_reset", u.Email)[0]; !strings.Contains(m.Text, "10 minutes") {
			t.Errorf("the mail does not say how long the link works:\n%s", m.Text)
		}
		f.clock.Advance(10*time.Minute - time.Second)
		if _, err := f.svc.OpenResetLink(f.ctx, link); err != nil {
			t.Fatalf("the link before it expires: %v", err)
		}
		f.clock.Advance(time.Second)
		_, err := f.svc.OpenResetLink(f.ctx, link)
		wantKind(t, err, directory.KindNotFound)
		_, err = f.svc.CompleteReset(f.ctx, link, "", newPassword, client)
		wantKind(t, err, directory.KindNotFound)
		f.mustSignIn(u)
	})
}

func TestSecurityQuestion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newSignin(t, e)
		u := f.userWith("")
		st := f.resolve(f.mustSignIn(u).Secret)
		err := f.svc.SetSecurityQuestion(f.ctx, st, testPassword, "Name of your first pet?", "Mister Whiskers")
		wantKind(t, err, directory.KindConflict)

		f.policy(func(p *directory.SecurityPolicy) { p.SecurityQuestions = true; p.LockoutThreshold = 3 })
		st = f.resolve(f.currentSecret(st))
		if err := f.svc.SetSecurityQuestion(f.ctx, st, testPassword, "Name of your first pet?", "  Mister   Whiskers "); err != nil {
			t.Fatal(err)
		}
		if !f.reload(u.ID).HasSecurityAnswer {
			t.Fatal("no security answer stored")
		}
		link := f.forgot(u)
		open, err := f.svc.OpenResetLink(f.ctx, link)
		if err != nil {
			t.Fatal(err)
		}
		if open.Question != "Name of your first pet?" {
			t.Errorf("question %q", open.Question)
		}
		// A wrong answer is refused on its field and counts toward the
		// lockout; the link stays usable.
		_, err = f.svc.CompleteReset(f.ctx, link, "Mister Mittens", newPassword, client)
		wantKind(t, err, directory.KindInvalid)
		if got := fieldErrors(err); len(got) != 1 || got[0].Field != "answer" {
			t.Errorf("field errors %+v, want answer", got)
		}
		if got := f.reload(u.ID).FailedAttempts; got != 1 {
			t.Errorf("failed attempts after a wrong answer: %d", got)
		}
		_, err = f.svc.CompleteReset(f.ctx, link, "", newPassword, client)
		wantKind(t, err, directory.KindInvalid)
		// Case and spacing do not matter.
		if _, err := f.svc.CompleteReset(f.ctx, link, "mister whiskers  ", newPassword, client); err != nil {
			t.Fatalf("the right answer: %v", err)
		}
		f.mustSignInWith(u, newPassword)

		// Enough wrong answers lock the account, and the link dies with it.
		link = f.forgot(u)
		for range 3 {
			_, err = f.svc.CompleteReset(f.ctx, link, "Rex", testPassword, client)
			wantKind(t, err, directory.KindInvalid)
		}
		if !f.reload(u.ID).Locked() {
			t.Fatal("3 wrong answers did not lock the account (threshold 3)")
		}
		_, err = f.svc.CompleteReset(f.ctx, link, "Mister Whiskers", testPassword, client)
		wantKind(t, err, directory.KindNotFound)
	})
}
