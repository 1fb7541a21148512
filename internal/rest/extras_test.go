package rest_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"roster/internal/directory"
	"roster/internal/store/storetest"
)

// picture returns a w×h image with a gradient, so that encoders have
// something to encode.
func picture(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{R: uint8(x), G: uint8(y), B: 128, A: 255})
		}
	}
	return img
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// photoInfo is the answer of PUT /users/{id}/photo.
type photoInfo struct {
	ContentType string `json:"content_type"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
}

func TestPhoto(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.createUser(nil)
		path := "users/" + u.ID + "/photo"

		// Nothing yet.
		wantProblem(t, f.do("GET", path, nil), http.StatusNotFound)

		// Garbage and oversized uploads are refused and store nothing.
		snap := f.snapshot(u.ID)
		p := wantProblem(t, f.do("PUT", path, []byte("this is not an image at all"), "Content-Type", "image/png"),
			http.StatusUnprocessableEntity, "body.photo")
		if p.Detail == "" {
			t.Error("no detail for a garbage photo")
		}
		damaged := encodePNG(t, picture(64, 64))
		wantProblem(t, f.do("PUT", path, damaged[:len(damaged)/2], "Content-Type", "image/png"), http.StatusUnprocessableEntity, "body.photo")
		huge := append(encodePNG(t, picture(8, 8)), make([]byte, 5<<20)...)
		wantProblem(t, f.do("PUT", path, huge, "Content-Type", "image/png"), http.StatusRequestEntityTooLarge)
		wantProblem(t, f.do("GET", path, nil), http.StatusNotFound)
		f.unchanged(snap, u.ID)

		for _, c := range []struct {
			name        string
			data        []byte
			contentType string
			w, h        int
		}{
			{"large PNG scaled down", encodePNG(t, picture(1200, 600)), "image/png", 512, 256},
			{"small JPEG kept", encodeJPEG(t, picture(300, 400)), "image/jpeg", 300, 400},
			{"tall JPEG scaled down", encodeJPEG(t, picture(200, 1024)), "image/jpeg", 100, 512},
		} {
			r := f.do("PUT", path, c.data, "Content-Type", c.contentType)
			got := must[photoInfo](t, r, http.StatusOK)
			if d := cmp.Diff(photoInfo{"image/jpeg", c.w, c.h}, got); d != "" {
				t.Errorf("%s: answer (-want +got):\n%s", c.name, d)
			}
			ev := f.wantEvent("user.photo_set", u.ID)
			if d := cmp.Diff([]directory.Change{{Field: "photo", After: map[string]any{"width": float64(c.w), "height": float64(c.h)}}}, ev.Changes); d != "" {
				t.Errorf("%s: user.photo_set changes (-want +got):\n%s", c.name, d)
			}

			r = f.do("GET", path, nil)
			if r.Code != http.StatusOK || r.Header.Get("Content-Type") != "image/jpeg" {
				t.Fatalf("%s: GET photo: %d %s", c.name, r.Code, r.Header.Get("Content-Type"))
			}
			img, err := jpeg.Decode(bytes.NewReader(r.Body))
			if err != nil {
				t.Fatalf("%s: stored photo does not decode: %v", c.name, err)
			}
			if b := img.Bounds(); b.Dx() != c.w || b.Dy() != c.h {
				t.Errorf("%s: stored photo is %dx%d, want %dx%d", c.name, b.Dx(), b.Dy(), c.w, c.h)
			}
			if bytes.Equal(r.Body, c.data) {
				t.Errorf("%s: the upload was stored as it came, not re-encoded", c.name)
			}
		}

		// A garbage upload leaves the current photo alone.
		before := f.do("GET", path, nil).Body
		wantProblem(t, f.do("PUT", path, []byte("GIF89a not really"), "Content-Type", "image/gif"), http.StatusUnprocessableEntity)
		if after := f.do("GET", path, nil).Body; !bytes.Equal(before, after) {
			t.Error("a refused upload replaced the photo")
		}

		// Delete, then it is gone.
		if r := f.do("DELETE", path, nil); r.Code != http.StatusNoContent {
			t.Fatalf("DELETE photo: %s", r)
		}
		f.wantEvent("user.photo_remove", u.ID)
		wantProblem(t, f.do("GET", path, nil), http.StatusNotFound)
		wantProblem(t, f.do("DELETE", path, nil), http.StatusNotFound)
		wantProblem(t, f.do("PUT", "users/no-such-user/photo", encodePNG(t, picture(4, 4)), "Content-Type", "image/png"), http.StatusNotFound)
	})
}

func TestTimeOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		f := newFixture(t, e)
		u := f.createUser(map[string]any{"first_name": "Vera", "last_name": "Cation"})
		other := f.createUser(map[string]any{"first_name": "Never", "last_name": "Away"})
		path := "users/" + u.ID + "/time-off"
		today := clockStart.Format("2006-01-02")
		away := func() []string {
			var out []string
			for _, it := range must[userList](t, f.do("GET", "users?at_vacation=true", nil), http.StatusOK).Items {
				out = append(out, it.ID)
			}
			return out
		}

		snap := f.snapshot(u.ID)
		for _, c := range []struct {
			name, body string
			status     int
			locations  []string
		}{
			{"impossible date", `{"kind": "vacation", "starts_on": "2030-02-30", "ends_on": "2030-03-02"}`, 422, []string{"body.starts_on"}},
			{"not a date", `{"kind": "vacation", "starts_on": "2030-03-01", "ends_on": "next friday"}`, 422, []string{"body.ends_on"}},
			{"date with a time", `{"kind": "day_off", "starts_on": "2030-03-01T00:00:00Z", "ends_on": "2030-03-01"}`, 422, []string{"body.starts_on"}},
			{"end before start", `{"kind": "vacation", "starts_on": "2030-03-10", "ends_on": "2030-03-09"}`, 422, []string{"body.ends_on"}},
			{"unknown kind", `{"kind": "sabbatical", "starts_on": "2030-03-10", "ends_on": "2030-03-12"}`, 422, []string{"body.kind"}},
			{"missing dates", `{"kind": "sick"}`, 422, []string{"body"}},
			{"unknown field", `{"kind": "sick", "starts_on": "2030-03-10", "ends_on": "2030-03-12", "reason": "flu"}`, 422, []string{"body.reason"}},
		} {
			wantProblem(t, f.do("POST", path, c.body), c.status, c.locations...)
		}
		f.unchanged(snap, u.ID)
		if list := must[timeOffList](t, f.do("GET", path, nil), http.StatusOK); len(list.Items) != 0 {
			t.Errorf("refused time off was stored: %+v", list.Items)
		}

		// Add two ranges; the list is by start date.
		later := must[timeOff](t, f.do("POST", path, `{"kind": "day_off", "starts_on": "2030-12-24", "ends_on": "2030-12-24", "note": " Christmas Eve "}`), http.StatusCreated)
		if later.ID == "" || later.Note != "Christmas Eve" || later.Kind != "day_off" {
			t.Errorf("added: %+v", later)
		}
		ev := f.wantEvent("user.time_off_add", u.ID)
		if c := changesOf(ev); c["time_off.starts_on"].After != "2030-12-24" || c["time_off.kind"].After != "day_off" {
			t.Errorf("user.time_off_add changes %+v", ev.Changes)
		}
		if slices.Contains(away(), u.ID) {
			t.Error("away today with only a day off in December")
		}
		now := must[timeOff](t, f.do("POST", path, map[string]string{"kind": "vacation", "starts_on": "2030-03-10", "ends_on": today}), http.StatusCreated)
		list := must[timeOffList](t, f.do("GET", path, nil), http.StatusOK)
		var got []string
		for _, it := range list.Items {
			got = append(got, it.ID)
		}
		if d := cmp.Diff([]string{now.ID, later.ID}, got); d != "" {
			t.Errorf("time off order (-want +got):\n%s", d)
		}
		if a := away(); !slices.Contains(a, u.ID) || slices.Contains(a, other.ID) {
			t.Errorf("at_vacation=true: %v; want %s and not %s", a, u.ID, other.ID)
		}

		// Delete one; it is gone from the list and the filter.
		if r := f.do("DELETE", path+"/"+now.ID, nil); r.Code != http.StatusNoContent {
			t.Fatalf("DELETE time off: %s", r)
		}
		f.wantEvent("user.time_off_remove", u.ID)
		if slices.Contains(away(), u.ID) {
			t.Error("still away after the vacation was removed")
		}
		wantProblem(t, f.do("DELETE", path+"/"+now.ID, nil), http.StatusNotFound)
		// Another user's path does not reach this user's time off.
		wantProblem(t, f.do("DELETE", "users/"+other.ID+"/time-off/"+later.ID, nil), http.StatusNotFound)
		if list := must[timeOffList](t, f.do("GET", path, nil), http.StatusOK); len(list.Items) != 1 || list.Items[0].ID != later.ID {
			t.Errorf("after delete: %+v", list.Items)
		}
	})
}
