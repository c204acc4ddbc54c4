package state

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".anomgen", "state.json")
	s, err := Load(path)
	if err != nil || len(s.Anomalies) != 0 || s.Lineage == "" {
		t.Fatalf("missing file should load as empty state: %+v, %v", s, err)
	}
	exp := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	s.Put(&Anomaly{Address: "anomaly.volume_drop.b", Kind: "volume_drop", Rows: 5, ExpiresAt: &exp})
	s.Put(&Anomaly{Address: "anomaly.null_rate.a", Kind: "null_rate", Rows: 3, Journal: Journal{ID: "j1", Key: []string{"id"}}})
	if err := Save(path, s); err != nil {
		t.Fatal(err)
	}
	if err := Save(path, s); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Serial != 2 || got.Lineage != s.Lineage || len(got.Anomalies) != 2 || got.Anomalies[0].Address != "anomaly.null_rate.a" {
		t.Fatalf("round trip: %+v", got)
	}
	if !got.Get("anomaly.volume_drop.b").ExpiresAt.Equal(exp) || got.Get("anomaly.null_rate.a").Journal.ID != "j1" {
		t.Fatal("fields lost in round trip")
	}
	if !got.Remove("anomaly.null_rate.a") || got.Get("anomaly.null_rate.a") != nil || got.Remove("nope") {
		t.Fatal("Remove")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Fatalf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestLoadRejectsGarbageAndNewerVersions(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{not json"), 0o600)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Fatalf("garbage: %v", err)
	}
	newer := filepath.Join(dir, "newer.json")
	os.WriteFile(newer, []byte(`{"version": 99}`), 0o600)
	if _, err := Load(newer); err == nil || !strings.Contains(err.Error(), "upgrade anomgen") {
		t.Fatalf("newer version: %v", err)
	}
}

func TestLockNamesHolderAndWaits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json.lock")
	ctx := context.Background()
	holder := NewLockInfo("apply")
	l1, err := Acquire(ctx, path, 0, holder)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(ctx, path, 0, NewLockInfo("plan"))
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
		t.Fatalf("second acquire: %v", err)
	}
	if le.Holder == nil || le.Holder.ID != holder.ID || !strings.Contains(err.Error(), "-lock-timeout") || !strings.Contains(err.Error(), holder.Host) {
		t.Fatalf("error should name the holder and -lock-timeout: %v", err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		l1.Release()
	}()
	l2, err := Acquire(ctx, path, 10*time.Second, NewLockInfo("apply"))
	if err != nil {
		t.Fatalf("waiting acquire: %v", err)
	}
	l2.Release()
}

func TestForceUnlock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json.lock")
	info := NewLockInfo("apply")
	l, err := Acquire(context.Background(), path, 0, info)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if _, err := ForceUnlock(path, "wrong-id"); err == nil || !strings.Contains(err.Error(), info.ID) {
		t.Fatalf("a wrong id must be refused, naming the right one: %v", err)
	}
	if _, err := ForceUnlock(path, info.ID); err != nil {
		t.Fatal(err)
	}
	l2, err := Acquire(context.Background(), path, 0, NewLockInfo("apply"))
	if err != nil {
		t.Fatalf("after force-unlock a new run must get the lock: %v", err)
	}
	l2.Release()
	if _, err := ForceUnlock(path, info.ID); err == nil {
		t.Fatal("force-unlock of a released lock must say there is none")
	}
}

// TestBatchesSame: Same compares every field of Batches, the lanes too:
// a field it forgot would let a refresh miss progress.
func TestBatchesSame(t *testing.T) {
	one, two := int64(1), int64(2)
	base := Batches{Done: 1, Estimate: 2, Size: 3, Planned: 4, WindowRows: 5, Partial: true, Upto: "6", Lanes: []Lane{{Upto: &one}, {After: &one}}}
	if !base.Same(base.clone()) {
		t.Fatal("a copy differs from its original")
	}
	v := reflect.ValueOf(&base).Elem()
	for i := range v.NumField() {
		b := base.clone()
		f := reflect.ValueOf(b).Elem().Field(i)
		switch f.Kind() {
		case reflect.Int, reflect.Int64:
			f.SetInt(f.Int() + 10)
		case reflect.Bool:
			f.SetBool(!f.Bool())
		case reflect.String:
			f.SetString(f.String() + "x")
		case reflect.Slice:
			f.Set(reflect.ValueOf([]Lane{{Upto: &one}, {After: &two}}))
		default:
			t.Fatalf("field %s: kind %s not covered by this test", v.Type().Field(i).Name, f.Kind())
		}
		if base.Same(b) {
			t.Errorf("Same misses a change of %s", v.Type().Field(i).Name)
		}
	}
	done := base.clone()
	done.Lanes[1].Done = true
	if base.Same(done) {
		t.Error("Same misses a lane's end")
	}
	var none *Batches
	if none.Same(&base) || !none.Same(nil) {
		t.Error("nil batches compare wrongly")
	}
}

func (b Batches) clone() *Batches {
	b.Lanes = append([]Lane(nil), b.Lanes...)
	return &b
}
