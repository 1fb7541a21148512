package admin_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roster/internal/admin"
	"roster/internal/directory"
	"roster/internal/store"
	"roster/internal/store/storetest"
)

// pngBytes encodes a w×h gradient as PNG.
func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{R: uint8(x * 255 / w), G: uint8(y * 255 / h), B: 128, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPhotos(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		u := f.createUser(nil)

		_, err := f.svc.Photo(f.ctx, f.op, u.ID)
		wantKind(t, err, directory.KindNotFound)
		err = f.svc.DeletePhoto(f.ctx, f.op, u.ID)
		wantKind(t, err, directory.KindNotFound)

		before := f.eventIDs()
		p, err := f.svc.SetPhoto(f.ctx, f.op, u.ID, pngBytes(t, 1200, 800))
		if err != nil {
			t.Fatal(err)
		}
		if p.ContentType != "image/jpeg" || p.Width != 512 || p.Height != 341 {
			t.Errorf("photo: %s %d×%d, want image/jpeg 512×341", p.ContentType, p.Width, p.Height)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(p.Data))
		if err != nil || format != "jpeg" || cfg.Width != p.Width || cfg.Height != p.Height {
			t.Errorf("stored data decodes as %s %d×%d, %v", format, cfg.Width, cfg.Height, err)
		}
		if _, err := jpeg.Decode(bytes.NewReader(p.Data)); err != nil {
			t.Errorf("stored data is not a JPEG: %v", err)
		}
		ev := f.oneEvent(before, "user.photo_set")
		if diff := cmp.Diff([]string{"photo"}, changedFields(ev)); diff != "" {
			t.Errorf("photo_set changes (-want +got):\n%s", diff)
		}
		got, err := f.svc.Photo(f.ctx, f.op, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(p, got); diff != "" {
			t.Errorf("Photo returned another photo than SetPhoto (-set +read):\n%s", diff)
		}

		// A small portrait photo keeps its size.
		p, err = f.svc.SetPhoto(f.ctx, f.op, u.ID, pngBytes(t, 90, 120))
		if err != nil || p.Width != 90 || p.Height != 120 {
			t.Errorf("small photo: %d×%d, %v", p.Width, p.Height, err)
		}

		before = f.eventIDs()
		for _, tc := range []struct {
			name string
			data []byte
			kind directory.Kind
		}{
			{"empty", nil, directory.KindInvalid},
			{"garbage", []byte("this is not a picture at all, just some text"), directory.KindInvalid},
			{"truncated PNG", pngBytes(t, 300, 300)[:200], directory.KindInvalid},
			{"too large", make([]byte, admin.MaxPhotoBytes+1), directory.KindTooLarge},
		} {
			_, err := f.svc.SetPhoto(f.ctx, f.op, u.ID, tc.data)
			wantKind(t, err, tc.kind)
			if tc.kind == directory.KindInvalid {
				if fe := fieldErrors(err); len(fe) != 1 || fe[0].Field != "photo" {
					t.Errorf("%s: field errors %v, want one about photo", tc.name, fe)
				}
			}
		}
		f.noEvent(before)
		if got, _ := f.svc.Photo(f.ctx, f.op, u.ID); got == nil || got.Width != 90 {
			t.Errorf("a refused upload replaced the photo: %+v", got)
		}

		before = f.eventIDs()
		if err := f.svc.DeletePhoto(f.ctx, f.op, u.ID); err != nil {
			t.Fatal(err)
		}
		f.oneEvent(before, "user.photo_remove")
		_, err = f.svc.Photo(f.ctx, f.op, u.ID)
		wantKind(t, err, directory.KindNotFound)

		// Another organization sees no user; the bin keeps photos as they are.
		_, otherOp := f.newOrg()
		_, err = f.svc.SetPhoto(f.ctx, otherOp, u.ID, pngBytes(t, 10, 10))
		wantKind(t, err, directory.KindNotFound)
		f.arrange(u, func(u *directory.User) { u.DeletedAt = f.clock.Now() })
		_, err = f.svc.SetPhoto(f.ctx, f.op, u.ID, pngBytes(t, 10, 10))
		wantKind(t, err, directory.KindConflict)
	})
}

func TestTimeOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		u := f.createUser(nil)
		for _, tc := range []struct {
			in   admin.TimeOffInput
			want []directory.FieldError
		}{
			{admin.TimeOffInput{Kind: "holiday", StartsOn: "2031-01-01", EndsOn: "2031-01-02"}, fieldErrs("kind", "must be vacation, day_off or sick")},
			{admin.TimeOffInput{Kind: directory.TimeOffSick, StartsOn: "1/1/2031", EndsOn: "2031-01-02"}, fieldErrs("starts_on", "must be a date like 2026-12-24")},
			{admin.TimeOffInput{Kind: directory.TimeOffSick, StartsOn: "2031-01-03", EndsOn: "2031-01-02"}, fieldErrs("ends_on", "must not be before starts_on")},
		} {
			_, err := f.svc.AddTimeOff(f.ctx, f.op, u.ID, tc.in)
			wantKind(t, err, directory.KindInvalid)
			if diff := cmp.Diff(tc.want, fieldErrors(err)); diff != "" {
				t.Errorf("AddTimeOff(%+v) (-want +got):\n%s", tc.in, diff)
			}
		}
		off, err := f.svc.AddTimeOff(f.ctx, f.op, u.ID, admin.TimeOffInput{Kind: directory.TimeOffDayOff, StartsOn: "2031-05-04", EndsOn: "2031-05-04"})
		if err != nil {
			t.Fatal(err)
		}
		list, err := f.svc.TimeOff(f.ctx, f.op, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*directory.TimeOff{off}, list); diff != "" {
			t.Errorf("TimeOff (-added +listed):\n%s", diff)
		}
		// The fake clock's day is 2031-05-04: the user is away today.
		page, err := f.svc.ListUsers(f.ctx, f.op, store.UserFilter{AtVacation: ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Users) != 1 || page.Users[0].ID != u.ID {
			t.Errorf("users away today: %v", page.Users)
		}
		err = f.svc.DeleteTimeOff(f.ctx, f.op, u.ID, "no-such-range")
		wantKind(t, err, directory.KindNotFound)
		other := f.createUser(nil)
		err = f.svc.DeleteTimeOff(f.ctx, f.op, other.ID, off.ID)
		wantKind(t, err, directory.KindNotFound)
		if err := f.svc.DeleteTimeOff(f.ctx, f.op, u.ID, off.ID); err != nil {
			t.Fatal(err)
		}
		if list, _ := f.svc.TimeOff(f.ctx, f.op, u.ID); len(list) != 0 {
			t.Errorf("time off after removal: %v", list)
		}
	})
}

func TestListUsersValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := setup(t, e)
		f.createField(admin.FieldInput{Key: "badge", Label: "Badge", Type: directory.FieldNumber})
		u := f.createUser(func(in *admin.UserInput) { in.CustomFields = map[string]string{"badge": "7"} })
		f.createUser(nil)

		for _, tc := range []struct {
			name   string
			filter store.UserFilter
			want   []directory.FieldError
		}{
			{"bad sort", store.UserFilter{Sort: "password_hash"}, fieldErrs("sort", "must be one of username, first_name, last_name, email, status, created_at, last_sign_in_at")},
			{"limit 501", store.UserFilter{Limit: 501}, fieldErrs("limit", "must be between 1 and 500")},
			{"negative limit", store.UserFilter{Limit: -1}, fieldErrs("limit", "must be between 1 and 500")},
			{"bad status", store.UserFilter{Statuses: []directory.Status{"active", "gone"}}, fieldErrs("status", "must be pending, active or inactive")},
			{"bad license", store.UserFilter{License: "gold"}, fieldErrs("license", "must be standard or premium")},
			{"unknown custom field", store.UserFilter{FieldID: "nope", FieldValue: "1"}, fieldErrs("field", "is not a custom field of this organization")},
			{"bad custom field value", store.UserFilter{FieldID: "badge", FieldValue: "seven"}, fieldErrs("field_value", "must be a number")},
		} {
			_, err := f.svc.ListUsers(f.ctx, f.op, tc.filter)
			wantKind(t, err, directory.KindInvalid)
			if diff := cmp.Diff(tc.want, fieldErrors(err)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.name, diff)
			}
		}

		page, err := f.svc.ListUsers(f.ctx, f.op, store.UserFilter{Limit: 500, Sort: store.SortUsername})
		if err != nil || len(page.Users) != 2 || page.Total != 2 {
			t.Errorf("limit 500: %v, %v", page, err)
		}
		// A filter value is compared in canonical form: "007" finds 7.
		page, err = f.svc.ListUsers(f.ctx, f.op, store.UserFilter{FieldID: "badge", FieldValue: "007"})
		if err != nil || len(page.Users) != 1 || page.Users[0].ID != u.ID {
			t.Errorf("badge 007: %v, %v", page, err)
		}
	})
}
