package admin

import (
	"context"
	"strings"
	"time"

	"roster/internal/directory"
	"roster/internal/imaging"
	"roster/internal/store"
)

// MaxPhotoBytes is the largest photo upload accepted.
const MaxPhotoBytes = 5 << 20

// photoSide is the longest side a stored photo keeps.
const photoSide = 512

// liveUser loads a user outside the recycle bin whom the actor may manage,
// for edits of their data.
func (s *Service) liveUser(ctx context.Context, tx *store.Tx, a *Actor, id string) (*directory.User, error) {
	u, err := s.manageUser(ctx, &tx.Conn, a, id)
	if err != nil {
		return nil, err
	}
	return u, notInBin(u)
}

// SetPhoto decodes an uploaded PNG, JPEG or WebP image, re-encodes it at a
// bounded size and stores it as the user's photo. Anything that does not
// decode is KindInvalid; more than MaxPhotoBytes is KindTooLarge.
func (s *Service) SetPhoto(ctx context.Context, a *Actor, userID string, data []byte) (*directory.Photo, error) {
	if err := s.authorize(a, "users.edit"); err != nil {
		return nil, err
	}
	if len(data) > MaxPhotoBytes {
		return nil, directory.Errorf(directory.KindTooLarge, "the photo is larger than 5 MB")
	}
	img, err := imaging.Reencode(data, photoSide)
	if err != nil {
		return nil, &directory.Error{Kind: directory.KindInvalid, Message: "the photo cannot be used",
			Fields: []directory.FieldError{{Field: "photo", Message: err.Error()}}}
	}
	p := &directory.Photo{ContentType: img.ContentType, Data: img.Data, Width: img.Width, Height: img.Height, UpdatedAt: s.now()}
	err = s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.liveUser(ctx, tx, a, userID)
		if err != nil {
			return err
		}
		if err := tx.PutPhoto(ctx, a.OrgID, u.ID, p); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "user.photo_set", "user", u.ID, u.Name(),
			[]directory.Change{{Field: "photo", After: map[string]int{"width": p.Width, "height": p.Height}}})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Photo returns a user's photo (KindNotFound when there is none).
func (s *Service) Photo(ctx context.Context, a *Actor, userID string) (*directory.Photo, error) {
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, err
	}
	if _, err := s.viewUser(ctx, &s.db.Conn, a, userID); err != nil {
		return nil, err
	}
	return s.db.Photo(ctx, a.OrgID, userID)
}

// DeletePhoto removes a user's photo (KindNotFound when there is none).
func (s *Service) DeletePhoto(ctx context.Context, a *Actor, userID string) error {
	if err := s.authorize(a, "users.edit"); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.liveUser(ctx, tx, a, userID)
		if err != nil {
			return err
		}
		had, err := tx.DeletePhoto(ctx, a.OrgID, u.ID)
		if err != nil {
			return err
		}
		if !had {
			return directory.NotFound("photo")
		}
		return s.record(ctx, tx, a, "user.photo_remove", "user", u.ID, u.Name(), []directory.Change{{Field: "photo", Before: "set", After: nil}})
	})
}

// TimeOffInput describes a range of days away.
type TimeOffInput struct {
	Kind     directory.TimeOffKind
	StartsOn string
	EndsOn   string
	Note     string
}

// AddTimeOff records days off or a vacation for a user. Dates are
// YYYY-MM-DD, both ends included; a range ending before it starts is
// KindInvalid.
func (s *Service) AddTimeOff(ctx context.Context, a *Actor, userID string, in TimeOffInput) (*directory.TimeOff, error) {
	if err := s.authorize(a, "users.edit"); err != nil {
		return nil, err
	}
	var v directory.Validation
	if !in.Kind.Valid() {
		v.Add("kind", "must be vacation, day_off or sick")
	}
	start, err1 := time.Parse(directory.DateLayout, in.StartsOn)
	if err1 != nil {
		v.Add("starts_on", "must be a date like 2026-12-24")
	}
	end, err2 := time.Parse(directory.DateLayout, in.EndsOn)
	if err2 != nil {
		v.Add("ends_on", "must be a date like 2026-12-31")
	}
	if err1 == nil && err2 == nil && end.Before(start) {
		v.Add("ends_on", "must not be before starts_on")
	}
	in.Note = strings.TrimSpace(in.Note)
	if len([]rune(in.Note)) > 500 {
		v.Add("note", "must be at most 500 characters")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	t := &directory.TimeOff{ID: newID(), OrgID: a.OrgID, UserID: userID, Kind: in.Kind,
		StartsOn: start.Format(directory.DateLayout), EndsOn: end.Format(directory.DateLayout), Note: in.Note, CreatedAt: s.now()}
	err := s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.liveUser(ctx, tx, a, userID)
		if err != nil {
			return err
		}
		if err := tx.CreateTimeOff(ctx, t); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "user.time_off_add", "user", u.ID, u.Name(), created(timeOffSnapshot(t)))
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func timeOffSnapshot(t *directory.TimeOff) map[string]any {
	return map[string]any{"time_off.kind": string(t.Kind), "time_off.starts_on": t.StartsOn, "time_off.ends_on": t.EndsOn, "time_off.note": t.Note}
}

// TimeOff lists a user's time off.
func (s *Service) TimeOff(ctx context.Context, a *Actor, userID string) ([]*directory.TimeOff, error) {
	if err := s.authorize(a, "users.view"); err != nil {
		return nil, err
	}
	if _, err := s.viewUser(ctx, &s.db.Conn, a, userID); err != nil {
		return nil, err
	}
	return s.db.TimeOffs(ctx, a.OrgID, userID)
}

// DeleteTimeOff removes one of a user's time-off ranges.
func (s *Service) DeleteTimeOff(ctx context.Context, a *Actor, userID, id string) error {
	if err := s.authorize(a, "users.edit"); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		u, err := s.liveUser(ctx, tx, a, userID)
		if err != nil {
			return err
		}
		t, err := tx.TimeOff(ctx, a.OrgID, u.ID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteTimeOff(ctx, a.OrgID, u.ID, id); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "user.time_off_remove", "user", u.ID, u.Name(), diff(timeOffSnapshot(t), map[string]any{}))
	})
}

// Licenses reports the premium seat limit (negative = none) and how many
// premium seats are in use.
func (s *Service) Licenses(ctx context.Context, a *Actor) (limit, used int, err error) {
	if err := s.authorize(a, "users.view"); err != nil {
		return 0, 0, err
	}
	o, err := s.db.Organization(ctx, a.OrgID)
	if err != nil {
		return 0, 0, err
	}
	used, err = s.db.PremiumSeatsUsed(ctx, a.OrgID)
	return o.PremiumSeatLimit, used, err
}

// SetPremiumSeatLimit caps the number of premium licenses (negative = no cap).
// A cap below the seats already used is KindConflict. It takes
// settings.manage through an organization-wide grant (KindForbidden).
func (s *Service) SetPremiumSeatLimit(ctx context.Context, a *Actor, limit int) error {
	if err := s.manageSettings(a); err != nil {
		return err
	}
	if limit < 0 {
		limit = -1
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		if err := tx.LockOrganization(ctx, a.OrgID); err != nil {
			return err
		}
		o, err := tx.Organization(ctx, a.OrgID)
		if err != nil {
			return err
		}
		used, err := tx.PremiumSeatsUsed(ctx, a.OrgID)
		if err != nil {
			return err
		}
		if limit >= 0 && used > limit {
			return directory.Errorf(directory.KindConflict, "%d premium seats are in use, more than the limit of %d; change some users to standard first", used, limit)
		}
		before := o.PremiumSeatLimit
		o.PremiumSeatLimit, o.UpdatedAt = limit, s.now()
		if err := tx.UpdateOrganization(ctx, o); err != nil {
			return err
		}
		return s.record(ctx, tx, a, "organization.licenses", "organization", o.ID, o.Name,
			[]directory.Change{{Field: "premium_seat_limit", Before: before, After: limit}})
	})
}

// Audit lists audit events, newest first. It takes audit.view. An actor
// limited to part of the organization reads only the events about users
// they may view and units inside their scope, and their own.
func (s *Service) Audit(ctx context.Context, a *Actor, f store.AuditFilter) (*store.AuditPage, error) {
	if err := s.authorize(a, "audit.view"); err != nil {
		return nil, err
	}
	f.Scope = nil
	if !a.OrgWide() {
		f.Scope = &store.AuditScope{Users: a.listScope(), UnitPath: a.scopePath, ActorID: a.UserID}
	}
	if f.Limit < 0 || f.Limit > 500 {
		return nil, &directory.Error{Kind: directory.KindInvalid, Message: "validation failed",
			Fields: []directory.FieldError{{Field: "limit", Message: "must be between 1 and 500"}}}
	}
	return s.db.ListAudit(ctx, a.OrgID, f)
}
