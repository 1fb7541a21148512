package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"roster/internal/directory"
	"roster/internal/store/storetest"
)

func TestPhotos(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e *storetest.Engine) {
		ctx := context.Background()
		db := e.DB
		o := createOrg(t, db)
		u := createUser(t, db, o.ID, nil)

		_, err := db.Photo(ctx, o.ID, u.ID)
		wantKind(t, err, directory.KindNotFound)

		// Every byte value survives, NUL included.
		data := make([]byte, 256*3)
		for i := range data {
			data[i] = byte(i)
		}
		p := &directory.Photo{ContentType: "image/png", Data: data, Width: 32, Height: 24, UpdatedAt: at(time.Second)}
		if err := db.PutPhoto(ctx, o.ID, u.ID, p); err != nil {
			t.Fatal(err)
		}
		got, err := db.Photo(ctx, o.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(p, got); diff != "" {
			t.Errorf("Photo (-put +read):\n%s", diff)
		}

		q := &directory.Photo{ContentType: "image/jpeg", Data: []byte{0xff, 0xd8, 0xff}, Width: 1, Height: 2, UpdatedAt: at(time.Minute)}
		if err := db.PutPhoto(ctx, o.ID, u.ID, q); err != nil {
			t.Fatal(err)
		}
		got, err = db.Photo(ctx, o.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(q, got); diff != "" {
			t.Errorf("a replaced photo (-put +read):\n%s", diff)
		}

		other := createOrg(t, db)
		_, err = db.Photo(ctx, other.ID, u.ID)
		wantKind(t, err, directory.KindNotFound)
		if had, err := db.DeletePhoto(ctx, other.ID, u.ID); err != nil || had {
			t.Errorf("DeletePhoto from another organization = %v, %v", had, err)
		}

		if had, err := db.DeletePhoto(ctx, o.ID, u.ID); err != nil || !had {
			t.Errorf("DeletePhoto = %v, %v; want true", had, err)
		}
		if had, err := db.DeletePhoto(ctx, o.ID, u.ID); err != nil || had {
			t.Errorf("DeletePhoto again = %v, %v; want false", had, err)
		}
		_, err = db.Photo(ctx, o.ID, u.ID)
		wantKind(t, err, directory.KindNotFound)
	})
}
