package admin_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// upload stores a CSV as a draft import of kind as the actor a.
func (f *fixture) upload(a *admin.Actor, kind directory.ImportKind, csv string) *directory.Import {
	f.t.Helper()
	im, err := f.svc.UploadImport(f.ctx, a, admin.ImportUpload{Kind: kind, FileName: "people.csv", Body: strings.NewReader(csv)})
	if err != nil {
		f.t.Fatalf("UploadImport: %v", err)
	}
	return im
}

// runImport configures, previews, starts and runs an import to its end,
// returning the preview and the finished import.
func (f *fixture) runImport(a *admin.Actor, im *directory.Import, set admin.ImportSettings) (*directory.ImportPreview, *directory.Import) {
	f.t.Helper()
	_, err := f.svc.ConfigureImport(f.ctx, a, im.ID, set)
	okOrFatal(f.t, err)
	pv, err := f.svc.PreviewImport(f.ctx, a, im.ID)
	okOrFatal(f.t, err)
	_, err = f.svc.StartImport(f.ctx, a, im.ID)
	okOrFatal(f.t, err)
	f.work()
	done, err := f.svc.Import(f.ctx, a, im.ID)
	okOrFatal(f.t, err)
	return pv.Preview, done
}

// work runs the import worker until nothing waits.
func (f *fixture) work() {
	f.t.Helper()
	if _, err := f.svc.RunImports(f.ctx, "test-worker"); err != nil {
		f.t.Fatalf("RunImports: %v", err)
	}
}

// rows returns every processed row of an import by line.
func (f *fixture) rows(a *admin.Actor, id string) map[int]*directory.ImportRow {
	f.t.Helper()
	rows, err := f.svc.ImportRows(f.ctx, a, id, "", 0, 1000)
	okOrFatal(f.t, err)
	out := map[int]*directory.ImportRow{}
	for _, r := range rows {
		out[r.Line] = r
	}
	return out
}

func (f *fixture) byUsername(name string) *directory.User {
	f.t.Helper()
	u, err := f.db.UserByField(f.ctx, f.org.ID, "username", name)
	if err != nil {
		return nil
	}
	u.CustomFields, _ = f.db.FieldValues(f.ctx, u.ID)
	return u
}

func TestImportCreateUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		site := f.createUnit("North School", "site", nil)
		unit, err := f.svc.UpdateUnit(f.ctx, f.op, site.ID, 0, admin.UnitPatch{Code: ptr("NS")})
		okOrFatal(t, err)
		_ = unit
		grp, err := f.svc.CreateGroup(f.ctx, f.op, admin.GroupInput{Name: "Teachers"})
		okOrFatal(t, err)
		f.createField(admin.FieldInput{Key: "grade", Label: "Grade", Type: directory.FieldNumber})
		taken := f.createUser(func(in *admin.UserInput) { in.Username, in.Email = "taken", "taken@example.org" })
		csv := "\ufeffFirst Name;Last Name;Username;E-mail;Role;Site;Groups;Grade;Phone\r\n" +
			"Ann;Lee;alee;ann@example.org;Staff;NS;Teachers;7;555-0100\r\n" +
			"Bob;Ray;bray;bob@example.org;;;;;\r\n" +
			"Cy;Dee;alee;cy@example.org;;;;;\r\n" + // the user name again
			"Di;;dnol;di@example.org;;;;;\r\n" + // no last name
			"Ed;Fox;efox;taken@example.org;;;;;\r\n" + // email of an existing user
			"Flo;Gym;fgym;flo@example.org;Overlord;;;;\r\n" + // no such role
			"Gus;Hay;ghay;not-an-email;;;;;\r\n" +
			"Hal;Ive;hive;hal@example.org;;;Nobody;;\r\n" + // no such group
			"\"Ida\";\"Jo;nes\";ijones;ida@example.org;;;;seven;\r\n" // not a number
		im := f.upload(f.op, directory.ImportUsers, csv)
		want := []string{"first_name", "last_name", "username", "email", "role", "scope_unit", "groups", "custom:grade", "phone"}
		if fmt.Sprint(im.Mapping) != fmt.Sprint(want) {
			t.Fatalf("proposed mapping %q, want %q", im.Mapping, want)
		}
		before := f.eventIDs()
		pv, done := f.runImport(f.op, im, admin.ImportSettings{Mode: directory.ImportCreate, SaveAs: "School export"})
		if pv.Counts != (directory.ImportCounts{Created: 2, Errors: 7}) {
			t.Errorf("preview counts %+v", pv.Counts)
		}
		if done.State != directory.ImportDone || done.Counts != pv.Counts || done.Done != 9 {
			t.Errorf("import %s done %d counts %+v, want as previewed", done.State, done.Done, done.Counts)
		}
		rows := f.rows(f.op, im.ID)
		for line, want := range map[int]string{3: "also on line 2", 4: "Last name: is required",
			5: "already belongs to " + taken.Name(), 6: `no role is named "Overlord"`, 7: "Email:",
			8: `no group is named "Nobody"`, 9: "Grade:"} {
			if r := rows[line]; r == nil || r.Outcome != directory.RowError || !strings.Contains(r.Message, want) {
				t.Errorf("line %d: %+v, want an error with %q", line, r, want)
			}
		}
		ann := f.byUsername("alee")
		if ann == nil || ann.Email != "ann@example.org" || ann.Phone != "555-0100" || ann.CustomFields["grade"] != "7" ||
			ann.Status != directory.StatusPending {
			t.Fatalf("ann %+v", ann)
		}
		grants, err := f.db.UserGrants(f.ctx, f.org.ID, ann.ID)
		okOrFatal(t, err)
		if len(grants) != 1 || grants[0].UnitID != site.ID {
			t.Errorf("ann's grants %+v, want one on the site", grants)
		}
		members, err := f.db.GroupMemberIDs(f.ctx, f.org.ID, grp.ID)
		okOrFatal(t, err)
		if len(members) != 1 || members[0] != ann.ID {
			t.Errorf("group members %v", members)
		}
		if f.byUsername("dnol") != nil || f.byUsername("efox") != nil {
			t.Error("a row in error was applied")
		}
		created := 0
		for _, ev := range f.eventsSince(before) {
			if ev.Action == "user.create" {
				created++
				if ev.ImportID != im.ID {
					t.Errorf("user.create without the import id: %+v", ev)
				}
				if ev.TargetID != ann.ID {
					continue
				}
				// Ann's event records her fields and the access the row gave.
				fields := map[string]bool{}
				for _, c := range ev.Changes {
					fields[c.Field] = true
				}
				for _, want := range []string{"username", "email", "first_name", "phone", "custom_fields.grade", "grant", "groups"} {
					if !fields[want] {
						t.Errorf("ann's user.create records no %s: %+v", want, ev.Changes)
					}
				}
			}
		}
		if created != 2 {
			t.Errorf("%d user.create events, want 2", created)
		}
		var lines [][]string
		okOrFatal(t, f.svc.ImportExceptions(f.ctx, f.op, im.ID, func(c []string) error {
			lines = append(lines, c)
			return nil
		}))
		if len(lines) != 8 || lines[0][9] != "Line" || lines[0][10] != "Reason" || lines[8-1][1] != "Jo;nes" {
			t.Errorf("exceptions %q", lines)
		}
		maps, err := f.svc.ImportMappings(f.ctx, f.op, directory.ImportUsers)
		okOrFatal(t, err)
		if len(maps) != 1 || maps[0].Name != "School export" {
			t.Fatalf("saved mappings %+v", maps)
		}
		// The same header proposes the saved mapping next time.
		again := f.upload(f.op, directory.ImportUsers, "First Name;Last Name;Username;E-mail;Role;Site;Groups;Grade;Phone\nA;B;c;;;;;;\n")
		if fmt.Sprint(again.Mapping) != fmt.Sprint(want) {
			t.Errorf("mapping of a known header %q", again.Mapping)
		}
	})
}

func TestImportRefusesBadFilesAndSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		before := f.eventIDs()
		for _, csv := range []string{"", "a,b\n1,2,3\n", "Name,Name\nx,y\n", "a,\"b\n1,2\n"} {
			_, err := f.svc.UploadImport(f.ctx, f.op, admin.ImportUpload{Body: strings.NewReader(csv)})
			wantKind(t, err, directory.KindInvalid)
			if fe := fieldErrors(err); len(fe) != 1 || fe[0].Field != "file" || fe[0].Message == "" {
				t.Errorf("%q: field errors %+v", csv, fe)
			}
		}
		// Settings that cannot apply refuse the upload too.
		for _, set := range []admin.ImportSettings{{Mode: "merge"}, {Changes: []admin.MappingChange{{Header: "Nope", Field: "email"}}},
			{Changes: []admin.MappingChange{{Header: "a", Field: "shoe_size"}}}} {
			_, err := f.svc.UploadImport(f.ctx, f.op, admin.ImportUpload{Body: strings.NewReader("a,b\n1,2\n"), Settings: &set})
			wantKind(t, err, directory.KindInvalid)
		}
		page, err := f.svc.Imports(f.ctx, f.op, 10, nil)
		okOrFatal(t, err)
		if len(page.Imports) != 0 {
			t.Errorf("a refused file left %d imports", len(page.Imports))
		}
		f.noEvent(before)
		im := f.upload(f.op, directory.ImportUsers, "Given,Other\nAnn,x\n")
		_, err = f.svc.ConfigureImport(f.ctx, f.op, im.ID, admin.ImportSettings{Mode: directory.ImportCreate})
		wantKind(t, err, directory.KindInvalid)
		_, err = f.svc.ConfigureImport(f.ctx, f.op, im.ID, admin.ImportSettings{Mode: directory.ImportCreate,
			Mapping: []string{"first_name", "first_name"}})
		if fe := fieldErrors(err); len(fe) == 0 || fe[0].Field != "mapping.1" {
			t.Errorf("mapping a field twice: %+v", fe)
		}
		_, err = f.svc.StartImport(f.ctx, f.op, im.ID)
		wantKind(t, err, directory.KindInvalid)
	})
}

func TestImportUpdateAndRollback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		a := f.createUser(func(in *admin.UserInput) { in.Username, in.JobTitle, in.Phone = "amy", "Clerk", "555-0101" })
		b := f.createUser(func(in *admin.UserInput) { in.Username, in.JobTitle = "ben", "Cook" })
		c := f.createUser(func(in *admin.UserInput) { in.Username, in.JobTitle = "cat", "Nurse" })
		csv := "Username,Job title,Phone\namy,Head clerk,555-0102\nben,Cook,\ncat,Matron,\nzed,Spy,\n"
		im := f.upload(f.op, directory.ImportUsers, csv)
		pv, done := f.runImport(f.op, im, admin.ImportSettings{Mode: directory.ImportUpdate})
		want := directory.ImportCounts{Updated: 2, Unchanged: 1, Errors: 1}
		if pv.Counts != want || done.Counts != want {
			t.Fatalf("counts preview %+v run %+v, want %+v", pv.Counts, done.Counts, want)
		}
		if got := f.reload(a.ID); got.JobTitle != "Head clerk" || got.Phone != "555-0102" || got.Email != a.Email {
			t.Errorf("amy after the update %+v", got)
		}
		if got := f.reload(b.ID); got.Version != b.Version {
			t.Error("an unchanged row changed the user's version")
		}
		// Someone changes amy's phone after the import; rollback keeps it.
		_, err := f.svc.UpdateUser(f.ctx, f.op, a.ID, 0, &admin.UserPatch{Phone: ptr("555-0103")})
		okOrFatal(t, err)
		_, err = f.svc.RollbackImport(f.ctx, f.op, im.ID)
		okOrFatal(t, err)
		f.work()
		rolled, err := f.svc.Import(f.ctx, f.op, im.ID)
		okOrFatal(t, err)
		if rolled.State != directory.ImportRolledBack || rolled.RollbackCounts[admin.UndoReverted] != 1 ||
			rolled.RollbackCounts[admin.UndoPartial] != 1 {
			t.Errorf("rolled back %s %+v", rolled.State, rolled.RollbackCounts)
		}
		if got := f.reload(a.ID); got.JobTitle != "Clerk" || got.Phone != "555-0103" {
			t.Errorf("amy after the rollback: job %q phone %q, want Clerk and the later 3", got.JobTitle, got.Phone)
		}
		if got := f.reload(c.ID); got.JobTitle != "Nurse" {
			t.Errorf("cat after the rollback: %q", got.JobTitle)
		}
		rows := f.rows(f.op, im.ID)
		if !strings.Contains(rows[1].Rollback, "phone") || rows[3].Rollback != admin.UndoReverted {
			t.Errorf("rollback texts %q / %q", rows[1].Rollback, rows[3].Rollback)
		}
		_, err = f.svc.RollbackImport(f.ctx, f.op, im.ID)
		wantKind(t, err, directory.KindConflict)
	})
}

func TestImportRollbackOfCreatedUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		im := f.upload(f.op, directory.ImportUsers, "First name,Last name,User name,Status\nA,One,a1,\nB,Two,b2,inactive\n")
		_, done := f.runImport(f.op, im, admin.ImportSettings{Mode: directory.ImportCreate})
		if done.Counts.Created != 2 {
			t.Fatalf("counts %+v", done.Counts)
		}
		if u := f.byUsername("b2"); u.Status != directory.StatusInactive {
			t.Errorf("b2 status %s", u.Status)
		}
		a1 := f.setPassword(f.byUsername("a1"))
		okOrFatal(t, f.db.RecordSignIn(f.ctx, f.org.ID, a1.ID, f.clock.Now().UnixMicro()))
		_, err := f.svc.RollbackImport(f.ctx, f.op, im.ID)
		okOrFatal(t, err)
		f.work()
		if f.byUsername("b2") != nil {
			t.Error("b2 was not purged")
		}
		if u := f.byUsername("a1"); u == nil || u.Status != directory.StatusInactive {
			t.Errorf("a1 signed in since: want disabled, got %+v", u)
		}
		rolled, _ := f.svc.Import(f.ctx, f.op, im.ID)
		if rolled.RollbackCounts[admin.UndoPurged] != 1 || rolled.RollbackCounts[admin.UndoDisabled] != 1 {
			t.Errorf("rollback counts %+v", rolled.RollbackCounts)
		}
	})
}

func TestImportResumesAfterACrash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		admin.SetImportBatch(f.svc, 10)
		var b strings.Builder
		b.WriteString("First name,Last name,User name\n")
		for i := range 35 {
			fmt.Fprintf(&b, "P%d,Q%d,p%d\n", i, i, i)
		}
		b.WriteString("Dup,Row,p3\n") // a value of a row done before the crash
		im := f.upload(f.op, directory.ImportUsers, b.String())
		_, err := f.svc.ConfigureImport(f.ctx, f.op, im.ID, admin.ImportSettings{Mode: directory.ImportCreate})
		okOrFatal(t, err)
		_, err = f.svc.StartImport(f.ctx, f.op, im.ID)
		okOrFatal(t, err)
		batches := 0
		admin.SetImportCrash(f.svc, func(done int) error {
			if batches++; batches == 2 {
				return errors.New("power cut")
			}
			return nil
		})
		f.work()
		mid, _ := f.svc.Import(f.ctx, f.op, im.ID)
		if mid.State != directory.ImportRunning || mid.Done != 20 || mid.Counts.Created != 20 {
			t.Fatalf("after the crash: %s done %d counts %+v", mid.State, mid.Done, mid.Counts)
		}
		// Another worker waits for the lease to run out, then resumes.
		admin.SetImportCrash(f.svc, nil)
		f.work()
		if still, _ := f.svc.Import(f.ctx, f.op, im.ID); still.Done != 20 {
			t.Fatalf("a worker took the import while the lease held: done %d", still.Done)
		}
		f.clock.Advance(2 * time.Minute)
		f.work()
		done, _ := f.svc.Import(f.ctx, f.op, im.ID)
		if done.State != directory.ImportDone || done.Counts != (directory.ImportCounts{Created: 35, Errors: 1}) {
			t.Fatalf("after resuming: %s %+v", done.State, done.Counts)
		}
		page, err := f.svc.ListUsers(f.ctx, f.op, store.UserFilter{Limit: 100})
		okOrFatal(t, err)
		if page.Total != 35 {
			t.Errorf("%d users, want 35 (no duplicates, none lost)", page.Total)
		}
		if rows := f.rows(f.op, im.ID); len(rows) != 36 || rows[36].Outcome != directory.RowError || !strings.Contains(rows[36].Message, "p3") {
			t.Errorf("%d results; last %+v", len(rows), rows[36])
		}
	})
}

func TestImportDelegationRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		s := newSiteSetup(f)
		okOrFatal(t, func() error {
			_, err := f.svc.UpdateUnit(f.ctx, f.op, s.siteB.ID, 0, admin.UnitPatch{Code: ptr("B")})
			return err
		}())
		csv := "First name,Last name,User name,Role,Scope\n" +
			"A,A,ua,Owner,\n" + // above the manager's level
			"B,B,ub,Staff,B\n" + // outside the manager's scope
			"C,C,uc,,\n"
		im := f.upload(s.mgr, directory.ImportUsers, csv)
		_, done := f.runImport(s.mgr, im, admin.ImportSettings{Mode: directory.ImportCreate})
		if done.Counts != (directory.ImportCounts{Created: 1, Errors: 2}) {
			t.Fatalf("counts %+v", done.Counts)
		}
		rows := f.rows(s.mgr, im.ID)
		if !strings.Contains(rows[1].Message, "at or below your own level") || !strings.Contains(rows[2].Message, "inside your own scope") {
			t.Errorf("messages %q / %q", rows[1].Message, rows[2].Message)
		}
		// Another scoped importer does not see the manager's import.
		_, other := s.actor("manager", s.siteB)
		if _, err := f.svc.Import(f.ctx, other, im.ID); !errors.Is(err, err) || directory.KindOf(err) != directory.KindNotFound {
			t.Errorf("another site's manager: %v", err)
		}
	})
}

func TestImportRelationships(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		p := f.createUser(func(in *admin.UserInput) { in.Username, in.ExternalID = "mom", "P1" })
		c := f.createUser(func(in *admin.UserInput) { in.Username, in.ExternalID = "kid", "S1" })
		f.createUser(func(in *admin.UserInput) { in.Username, in.ExternalID = "kid2", "S2" })
		csv := "Parent ID,Student ID\nP1,S1\nP1,S2\nP1,S9\nP1,P1\nP1,S1\n"
		im := f.upload(f.op, directory.ImportRelationships, csv)
		if fmt.Sprint(im.Mapping) != "[parent student]" {
			t.Fatalf("mapping %q", im.Mapping)
		}
		_, done := f.runImport(f.op, im, admin.ImportSettings{MatchBy: directory.MatchExternalID})
		if done.Counts != (directory.ImportCounts{Created: 2, Errors: 3}) {
			t.Fatalf("counts %+v", done.Counts)
		}
		rels, err := f.svc.UserRelationships(f.ctx, f.op, p.ID, "parent_of")
		okOrFatal(t, err)
		if len(rels) != 2 {
			t.Fatalf("%d relationships", len(rels))
		}
		// The same file again changes nothing.
		again := f.upload(f.op, directory.ImportRelationships, "Parent ID,Student ID\nP1,S1\n")
		_, done2 := f.runImport(f.op, again, admin.ImportSettings{MatchBy: directory.MatchExternalID})
		if done2.Counts != (directory.ImportCounts{Unchanged: 1}) {
			t.Errorf("second run %+v", done2.Counts)
		}
		_, err = f.svc.RollbackImport(f.ctx, f.op, im.ID)
		okOrFatal(t, err)
		f.work()
		rels, err = f.svc.UserRelationships(f.ctx, f.op, c.ID, "")
		okOrFatal(t, err)
		if len(rels) != 0 {
			t.Errorf("relationships left after the rollback: %d", len(rels))
		}
	})
}

func TestImportUpsertByUserCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		old := f.createUser(func(in *admin.UserInput) { in.ExternalID, in.LastName = "E1", "Old" })
		im := f.upload(f.op, directory.ImportUsers, "User code,First name,Last name,Email\nE1,Pat,New,\nE2,Sam,Neu,sam@example.org\n")
		_, done := f.runImport(f.op, im, admin.ImportSettings{Mode: directory.ImportUpsert, MatchBy: directory.MatchExternalID})
		if done.Counts != (directory.ImportCounts{Created: 1, Updated: 1}) {
			t.Fatalf("counts %+v", done.Counts)
		}
		if got := f.reload(old.ID); got.LastName != "New" || got.Email != old.Email {
			t.Errorf("updated user %+v", got)
		}
		if u, err := f.db.UserByField(f.ctx, f.org.ID, "external_id", "E2"); err != nil || u.Username != "sam" {
			t.Errorf("created user %+v %v", u, err)
		}
	})
}

func TestImportInvitesCreatedUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		im := f.upload(f.op, directory.ImportUsers, "First name,Last name,Email,Password hash\n"+
			"Ann,Lee,ann@example.org,\nBob,Ray,,\nCy,Dee,cy@example.org,$2y$10$abcdefghijklmnopqrstuu5HhMhwq6mBZQ3yHMLAKLdW.NvmCJwFq\n")
		_, done := f.runImport(f.op, im, admin.ImportSettings{Mode: directory.ImportCreate, Invite: true,
			Mapping: []string{"first_name", "last_name", "email", "password_hash"}})
		if done.Counts.Created != 3 {
			t.Fatalf("counts %+v (%v)", done.Counts, f.rows(f.op, im.ID))
		}
		all, err := f.db.Mails(f.ctx, f.org.ID, 100)
		okOrFatal(t, err)
		sent := map[string]int{}
		for _, m := range all {
			sent[m.Kind+" "+m.To]++
		}
		if sent["invitation ann@example.org"] != 1 || sent["invitation cy@example.org"] != 0 || len(all) != 1 {
			t.Errorf("mails %v, want one invitation to the new pending user only", sent)
		}
		if cy := f.byUsername("cy"); cy == nil || cy.Status != directory.StatusActive || !cy.HasPassword {
			t.Errorf("cy %+v, want active with the imported hash", cy)
		}
	})
}

// A value another writer takes between planning and writing fails only
// its row: the batch is done again row by row.
func TestImportRowTakenMeanwhile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		im := f.upload(f.op, directory.ImportUsers, "First name,Last name,User name\nA,One,a1\nB,Two,b2\nC,Three,c3\nDee,Four,\n")
		_, err := f.svc.ConfigureImport(f.ctx, f.op, im.ID, admin.ImportSettings{Mode: directory.ImportCreate})
		okOrFatal(t, err)
		_, err = f.svc.StartImport(f.ctx, f.op, im.ID)
		okOrFatal(t, err)
		// The other writer's user is inserted in the import's transaction,
		// after planning: before the fast attempt and again before the
		// row-by-row one, since the failed attempt rolls it back.
		admin.SetImportBeforeWrite(f.svc, func(ctx context.Context, tx *store.Tx) error {
			return f.otherWriter(ctx, tx, "B2")
		})
		f.work()
		done, _ := f.svc.Import(f.ctx, f.op, im.ID)
		if done.Counts != (directory.ImportCounts{Created: 3, Errors: 1}) {
			t.Fatalf("counts %+v", done.Counts)
		}
		rows := f.rows(f.op, im.ID)
		if rows[2].Outcome != directory.RowError || !strings.Contains(rows[2].Message, "user name is already used") {
			t.Errorf("row 2 %+v", rows[2])
		}
		// Planning the batch again takes back what planning it first
		// claimed: the user name derived for line 5 stays the one the
		// first plan (and a dry run) chose.
		if f.byUsername("dee.four") == nil {
			t.Errorf("no user dee.four; the batch done again derived another name: %+v", rows[4])
		}
		if f.byUsername("a1") == nil || f.byUsername("c3") == nil || f.byUsername("b2").FirstName != "Other" {
			t.Error("the other rows were not applied, or the other writer's user was changed")
		}
	})
}

// A batch that fails on a value another writer took, written while the
// next batch is planned (and, on PostgreSQL, the next batch's first half,
// its words and audit events, is already in its transaction), is done
// again; the next batch is planned and written afresh, and nothing of its
// first attempt remains.
func TestImportBatchFailsWhileTheNextIsWritten(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		admin.SetImportBatch(f.svc, 1)
		before := f.eventIDs()
		im := f.upload(f.op, directory.ImportUsers, "First name,Last name,User name\nA,One,a1\nB,Two,b2\nC,Three,c3\nD,Four,d4\n")
		_, err := f.svc.ConfigureImport(f.ctx, f.op, im.ID, admin.ImportSettings{Mode: directory.ImportCreate})
		okOrFatal(t, err)
		_, err = f.svc.StartImport(f.ctx, f.op, im.ID)
		okOrFatal(t, err)
		// Another writer's user takes the user name of line 2 in the first
		// transaction that writes a batch, after its plan, and in each one
		// after until one keeps it. The batch of line 2 is then planned
		// already, without it.
		planned := make(chan int, 100)
		admin.SetImportAhead(f.svc, func(from int) { planned <- from })
		t.Cleanup(func() { admin.SetImportAhead(f.svc, nil) })
		admin.SetImportBeforeWrite(f.svc, func(ctx context.Context, tx *store.Tx) error {
			taken, err := tx.UsersByKeys(ctx, f.org.ID, "username", []string{"b2"})
			if err != nil || len(taken) > 0 {
				return err
			}
			for <-planned != 2 {
			}
			return f.otherWriter(ctx, tx, "B2")
		})
		f.work()
		done, _ := f.svc.Import(f.ctx, f.op, im.ID)
		if done.State != directory.ImportDone || done.Counts != (directory.ImportCounts{Created: 3, Errors: 1}) {
			t.Fatalf("%s %+v", done.State, done.Counts)
		}
		if rows := f.rows(f.op, im.ID); rows[2].Outcome != directory.RowError || !strings.Contains(rows[2].Message, "user name") {
			t.Errorf("line 2 %+v", rows[2])
		}
		creates := map[string]int{}
		for _, ev := range f.eventsSince(before) {
			if ev.Action == "user.create" && ev.ImportID == im.ID {
				creates[ev.TargetName]++
			}
		}
		for _, name := range []string{"a1", "c3", "d4"} {
			u := f.byUsername(name)
			if u == nil {
				t.Fatalf("no user %s", name)
			}
			if creates[u.Name()] != 1 {
				t.Errorf("%d user.create events for %s, want 1 (all: %v)", creates[u.Name()], name, creates)
			}
			// Its words were written once, with it.
			page, err := f.svc.ListUsers(f.ctx, f.op, store.UserFilter{Q: u.LastName, Sort: store.SortLastName, Limit: 10})
			okOrFatal(t, err)
			if page.Total != 1 || len(page.Users) != 1 || page.Users[0].ID != u.ID {
				t.Errorf("search %q: total %d, %d users; want %s alone", u.LastName, page.Total, len(page.Users), name)
			}
		}
		if len(creates) != 3 {
			t.Errorf("user.create events %v, want one for each of the three users", creates)
		}
	})
}

// otherWriter creates, in tx, a user with the user name name, as another
// writer would while an import runs.
func (f *fixture) otherWriter(ctx context.Context, tx *store.Tx, name string) error {
	u := &directory.User{ID: "meanwhile-" + randHex(4), OrgID: f.org.ID, Status: directory.StatusPending,
		Profile:   directory.Profile{Username: name, FirstName: "Other", LastName: "Writer", License: directory.LicenseStandard},
		CreatedAt: f.clock.Now(), UpdatedAt: f.clock.Now()}
	return tx.CreateUser(ctx, u, "")
}

// Whoever starts an import runs it with their rights, whoever uploaded it.
func TestImportRunsAsWhoStartsIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		s := newSiteSetup(f)
		admUser, adm := s.actor("administrator", nil)
		im := f.upload(s.mgr, directory.ImportUsers, "First name,Last name,User name\nA,B,ab\n")
		_, err := f.svc.ConfigureImport(f.ctx, adm, im.ID, admin.ImportSettings{Mode: directory.ImportCreate})
		okOrFatal(t, err)
		started, err := f.svc.StartImport(f.ctx, adm, im.ID)
		okOrFatal(t, err)
		if started.Owner.ActorID != admUser.ID {
			t.Errorf("owner %+v, want the administrator who started it", started.Owner)
		}
		f.work()
		if u := f.byUsername("ab"); u == nil || u.CreatedBy != admUser.ID {
			t.Errorf("created user %+v, want one created by the administrator", u)
		}
		_, staff := s.actor("staff", s.siteA)
		_, err = f.svc.ImportColumns(f.ctx, staff, directory.ImportUsers)
		wantKind(t, err, directory.KindForbidden)
	})
}

// A row may name as supervisor a user an earlier row of the same file adds.
func TestImportSupervisorFromAnEarlierRow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		admin.SetImportBatch(f.svc, 1)
		im := f.upload(f.op, directory.ImportUsers, "User name,First name,Last name,Supervisor\nboss,Big,Boss,\nemp,Em,Ployee,boss\nlost,Lo,St,nobody\n")
		pv, done := f.runImport(f.op, im, admin.ImportSettings{Mode: directory.ImportCreate})
		want := directory.ImportCounts{Created: 2, Errors: 1}
		if pv.Counts != want || done.Counts != want {
			t.Fatalf("preview %+v run %+v, want %+v", pv.Counts, done.Counts, want)
		}
		boss, emp := f.byUsername("boss"), f.byUsername("emp")
		if emp == nil || boss == nil || emp.SupervisorID != boss.ID {
			t.Errorf("emp %+v boss %+v", emp, boss)
		}
	})
}

// A value the file repeats gets the same answer in the dry run and in the
// run, however the rows fall into batches: in a run of one row a batch,
// the user an earlier line created already exists when the repeat comes.
func TestImportRepeatsAnswerAsPreviewed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		taken := f.createUser(func(in *admin.UserInput) { in.Username, in.Email = "taken", "taken@example.org" })
		errorsOf := func(rows []directory.ImportRow) map[int]string {
			out := map[int]string{}
			for _, r := range rows {
				if r.Outcome == directory.RowError {
					out[r.Line] = r.Message
				}
			}
			return out
		}
		run := func(batch int, mode directory.ImportMode, csv string) (preview, ran map[int]string) {
			t.Helper()
			admin.SetImportBatch(f.svc, batch)
			im := f.upload(f.op, directory.ImportUsers, csv)
			pv, _ := f.runImport(f.op, im, admin.ImportSettings{Mode: mode})
			ran = map[int]string{}
			for line, r := range f.rows(f.op, im.ID) {
				if r.Outcome == directory.RowError {
					ran[line] = r.Message
				}
			}
			return errorsOf(pv.Samples[directory.RowError]), ran
		}
		for _, batch := range []int{1, 1000} {
			create := "User name,First name,Last name,Email,User code\n" +
				fmt.Sprintf("ann%d,Ann,Lee,ann%d@example.org,A%d\n", batch, batch, batch) + // line 1
				fmt.Sprintf("bob%d,Bob,Ray,bob%d@example.org,B%d\n", batch, batch, batch) + // line 2
				fmt.Sprintf("ANN%d,Cy,Dee,cy%d@example.org,C%d\n", batch, batch, batch) + // the user name of line 1
				fmt.Sprintf("dan%d,Dan,Eve,Ann%d@Example.org,D%d\n", batch, batch, batch) + // its email
				fmt.Sprintf("eve%d,Eve,Fox,eve%d@example.org,B%d\n", batch, batch, batch) + // the user code of line 2
				fmt.Sprintf("fay%d,Fay,,fay%d@example.org,F%d\n", batch, batch, batch) + // no last name
				fmt.Sprintf("fay%d,Fay,Gee,gee%d@example.org,G%d\n", batch, batch, batch) + // the user name of that row
				fmt.Sprintf("taken,Tom,Ken,tk%d@example.org,T%d\n", batch, batch) + // an existing user's name
				fmt.Sprintf("tim%d,Tim,Ken,TK%d@example.org,U%d\n", batch, batch, batch) // the email of that row
			preview, ran := run(batch, directory.ImportCreate, create)
			want := map[int]string{
				3: "the user name ANN%d is also on line 2 of the file",
				4: "the email Ann%d@Example.org is also on line 2 of the file",
				5: "the user code B%d is also on line 3 of the file",
				6: "Last name",
				7: "the user name fay%d is also on line 7 of the file",
				8: "the user name taken already belongs to " + taken.Name(),
				9: "the email TK%d@example.org is also on line 9 of the file",
			}
			for line, w := range want {
				if strings.Contains(w, "%d") {
					w = fmt.Sprintf(w, batch)
				}
				if !strings.Contains(preview[line], w) {
					t.Errorf("batch %d, line %d previewed %q, want %q", batch, line, preview[line], w)
				}
			}
			if diff := cmp.Diff(preview, ran); diff != "" || len(ran) != len(want) {
				t.Errorf("batch %d: the run's errors differ from the preview's (-preview +run):\n%s", batch, diff)
			}

			update := "User name,Email\n" +
				fmt.Sprintf("ann%d,new%d@example.org\n", batch, batch) + // line 1: a new email for ann
				fmt.Sprintf("bob%d,NEW%d@example.org\n", batch, batch) + // the same email for bob
				fmt.Sprintf("ann%d,other%d@example.org\n", batch, batch) // ann again
			preview, ran = run(batch, directory.ImportUpdate, update)
			want = map[int]string{
				2: "the email NEW%d@example.org is also on line 2 of the file",
				3: "the user name ann%d is also on line 2 of the file",
			}
			for line, w := range want {
				if w = fmt.Sprintf(w, batch); !strings.Contains(preview[line], w) {
					t.Errorf("batch %d, update line %d previewed %q, want %q", batch, line, preview[line], w)
				}
			}
			if diff := cmp.Diff(preview, ran); diff != "" || len(ran) != len(want) {
				t.Errorf("batch %d, update: the run's errors differ from the preview's (-preview +run):\n%s", batch, diff)
			}
		}
	})
}

// A link the file repeats is refused as in the preview even when the import
// resumes after a crash between the two lines, once the first has been
// written.
func TestImportRelationshipRepeatAfterACrash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		admin.SetImportBatch(f.svc, 1)
		f.createUser(func(in *admin.UserInput) { in.Username = "mom" })
		f.createUser(func(in *admin.UserInput) { in.Username = "kid" })
		f.createUser(func(in *admin.UserInput) { in.Username = "kid2" })
		im := f.upload(f.op, directory.ImportRelationships, "Parent,Student\nmom,kid\nmom,kid2\nMOM,Kid\n")
		f.runCrashingOnce(im, admin.ImportSettings{MatchBy: directory.MatchUsername}, directory.ImportCounts{Created: 2, Errors: 1})
		if r := f.rows(f.op, im.ID)[3]; r == nil || r.Message != "the same link is also on line 2 of the file" {
			t.Errorf("line 3: %+v", r)
		}
	})
}

// A user name derived for a row without one is claimed by that row, also
// when the import resumes after a crash that came after the row was done.
func TestImportDerivedNameRepeatAfterACrash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		admin.SetImportBatch(f.svc, 1)
		im := f.upload(f.op, directory.ImportUsers, "First name,Last name,User name,Email\n"+
			"Zed,Quill,,zed.quill@example.org\n"+ // the user name is derived from the email: zed.quill
			"Amy,Bee,abee,amy@example.org\n"+
			"Cat,Dog,zed.quill,cat@example.org\n")
		pv := f.runCrashingOnce(im, admin.ImportSettings{Mode: directory.ImportCreate}, directory.ImportCounts{Created: 2, Errors: 1})
		const msg = "the user name zed.quill is also on line 2 of the file"
		if got := pv.Samples[directory.RowError]; len(got) != 1 || got[0].Message != msg {
			t.Errorf("previewed errors %+v, want %q", got, msg)
		}
		if r := f.rows(f.op, im.ID)[3]; r == nil || r.Message != msg {
			t.Errorf("line 3: %+v, want %q", r, msg)
		}
	})
}

// runCrashingOnce configures, previews and starts an import, whose worker
// then dies after its first batch; another worker resumes it once the
// lease has run out. Both the preview and the finished import must count
// want. It returns the preview.
func (f *fixture) runCrashingOnce(im *directory.Import, set admin.ImportSettings, want directory.ImportCounts) *directory.ImportPreview {
	f.t.Helper()
	_, err := f.svc.ConfigureImport(f.ctx, f.op, im.ID, set)
	okOrFatal(f.t, err)
	pv, err := f.svc.PreviewImport(f.ctx, f.op, im.ID)
	okOrFatal(f.t, err)
	_, err = f.svc.StartImport(f.ctx, f.op, im.ID)
	okOrFatal(f.t, err)
	admin.SetImportCrash(f.svc, func(done int) error {
		if done == 1 {
			return errors.New("power cut")
		}
		return nil
	})
	f.work()
	admin.SetImportCrash(f.svc, nil)
	f.clock.Advance(2 * time.Minute)
	f.work()
	done, err := f.svc.Import(f.ctx, f.op, im.ID)
	okOrFatal(f.t, err)
	if pv.Preview.Counts != want || done.State != directory.ImportDone || done.Counts != want {
		f.t.Fatalf("preview %+v, run %s %+v, want %+v", pv.Preview.Counts, done.State, done.Counts, want)
	}
	return pv.Preview
}

// A group or custom field removed while an import runs is not written for
// the rows after: they are refused as naming nothing, and no membership or
// value is left pointing at what is gone (SQLite writes an import's batches
// without checking foreign keys, so the run itself must not name it).
func TestImportReferenceRemovedMeanwhile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		admin.SetImportBatch(f.svc, 1)
		grp, err := f.svc.CreateGroup(f.ctx, f.op, admin.GroupInput{Name: "Teachers"})
		okOrFatal(t, err)
		fd := f.createField(admin.FieldInput{Key: "grade", Label: "Grade", Type: directory.FieldNumber})
		im := f.upload(f.op, directory.ImportUsers, "User name,First name,Last name,Groups,Grade\n"+
			"a1,A,One,Teachers,\nb2,B,Two,Teachers,\nc3,C,Three,,7\nd4,D,Four,,\n")
		f.betweenBatches(map[int]func() error{
			1: func() error { return f.svc.DeleteGroup(f.ctx, f.op, grp.ID, grp.Version) },
			2: func() error { return f.svc.DeleteField(f.ctx, f.op, fd.ID) },
		})
		_, done := f.runImport(f.op, im, admin.ImportSettings{Mode: directory.ImportCreate})
		if want := (directory.ImportCounts{Created: 2, Errors: 2}); done.Counts != want {
			t.Fatalf("counts %+v, want %+v", done.Counts, want)
		}
		rows := f.rows(f.op, im.ID)
		for line, want := range map[int]string{2: `no group is named "Teachers"`, 3: "grade"} {
			if r := rows[line]; r == nil || r.Outcome != directory.RowError || !strings.Contains(r.Message, want) {
				t.Errorf("line %d: %+v, want an error with %q", line, r, want)
			}
		}
		if f.byUsername("b2") != nil || f.byUsername("c3") != nil {
			t.Error("a row naming what was removed was applied")
		}
		var n int
		// $1 and $2 are numbered parameters on both engines.
		okOrFatal(t, f.db.SQL().QueryRowContext(f.ctx, `SELECT (SELECT COUNT(*) FROM group_members WHERE group_id = $1) +
			(SELECT COUNT(*) FROM user_field_values WHERE field_id = $2)`, grp.ID, fd.ID).Scan(&n))
		if n != 0 {
			t.Errorf("%d memberships or values left pointing at a removed group or field", n)
		}
	})
}

// A batch is planned while the batch before it is written; what another
// writer changes in between is caught before the batch is written: a
// supervisor removed makes the row naming them fail as it would have
// without the head start, and a user changed meanwhile is updated from
// what they are now, keeping the other writer's change.
func TestImportPlannedAheadStillHolds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		admin.SetImportBatch(f.svc, 1)
		boss := f.createUser(func(in *admin.UserInput) { in.Username, in.Email = "boss", "" })
		f.betweenBatches(map[int]func() error{1: func() error {
			return f.db.InTx(f.ctx, func(tx *store.Tx) error { return tx.PurgeUser(f.ctx, f.org.ID, boss.ID) })
		}})
		im := f.upload(f.op, directory.ImportUsers, "User name,First name,Last name,Supervisor\na1,A,One,boss\nb2,B,Two,boss\n")
		_, done := f.runImport(f.op, im, admin.ImportSettings{Mode: directory.ImportCreate})
		if want := (directory.ImportCounts{Created: 1, Errors: 1}); done.Counts != want {
			t.Fatalf("counts %+v, want %+v", done.Counts, want)
		}
		if r := f.rows(f.op, im.ID)[2]; r.Outcome != directory.RowError || !strings.Contains(r.Message, `"boss"`) {
			t.Errorf("line 2: %+v, want an error naming the removed supervisor", r)
		}
		if a1 := f.byUsername("a1"); a1 == nil || a1.SupervisorID != "" || f.byUsername("b2") != nil {
			t.Errorf("a1 %+v (supervisor cleared when boss went), b2 %+v (not created)", a1, f.byUsername("b2"))
		}

		x := f.createUser(func(in *admin.UserInput) { in.Username, in.Email = "x1", "" })
		y := f.createUser(func(in *admin.UserInput) { in.Username, in.Email, in.Phone = "y2", "", "555-0001" })
		f.betweenBatches(map[int]func() error{1: func() error {
			_, err := f.svc.UpdateUser(f.ctx, f.op, y.ID, y.Version, &admin.UserPatch{Phone: ptr("555-0002")})
			return err
		}})
		im = f.upload(f.op, directory.ImportUsers, "User name,Job title\nx1,Teacher\ny2,Nurse\n")
		_, done = f.runImport(f.op, im, admin.ImportSettings{Mode: directory.ImportUpdate})
		if want := (directory.ImportCounts{Updated: 2}); done.Counts != want {
			t.Fatalf("update counts %+v, want %+v: %+v", done.Counts, want, f.rows(f.op, im.ID))
		}
		if got := f.byUsername("y2"); got.JobTitle != "Nurse" || got.Phone != "555-0002" {
			t.Errorf("y2 job title %q phone %q, want Nurse and the other writer's 555-0002", got.JobTitle, got.Phone)
		}
		if got := f.byUsername("x1"); got.JobTitle != "Teacher" || got.ID != x.ID {
			t.Errorf("x1 %+v", got)
		}
	})
}

// betweenBatches makes the next import, run in batches of one row, call
// changes[n] once its batch n is committed and batch n+1 is planned (an
// import of users plans a batch while the one before is written), as
// another writer would between the two.
func (f *fixture) betweenBatches(changes map[int]func() error) {
	admin.SetImportBatch(f.svc, 1)
	planned := make(chan int, 100)
	admin.SetImportAhead(f.svc, func(from int) { planned <- from })
	admin.SetImportCrash(f.svc, func(done int) error {
		change := changes[done]
		if change == nil {
			return nil
		}
		for from := range planned {
			if from == done+1 {
				break
			}
		}
		return change()
	})
	f.t.Cleanup(func() {
		admin.SetImportAhead(f.svc, nil)
		admin.SetImportCrash(f.svc, nil)
	})
}
