package executor

import (
	"math"
	"slices"
	"testing"
)

// TestSplit: lanes cut a key span into parts of about equal span, also
// across zero and over the whole int64 range, and none where the span
// is smaller than the lanes.
func TestSplit(t *testing.T) {
	for _, c := range []struct {
		first, last int64
		n           int
		want        []int64
	}{
		{1, 1000, 2, []int64{500}},
		{666667, 1000000, 2, []int64{833333}},
		{0, 99, 4, []int64{24, 48, 72}},
		{-100, 100, 2, []int64{0}},
		{math.MinInt64, math.MaxInt64, 2, []int64{-1}},
		{5, 6, 2, nil}, // a span of one key: one lane
		{5, 5, 2, nil},
		{7, 3, 2, nil},
		{1, 1000, 1, nil},
	} {
		got := split(c.first, c.last, c.n)
		if !slices.Equal(got, c.want) {
			t.Errorf("split(%d, %d, %d) = %v, want %v", c.first, c.last, c.n, got, c.want)
		}
		prev := c.first
		for _, b := range got {
			if b < prev || b >= c.last {
				t.Errorf("split(%d, %d, %d): bound %d out of order or not inside the span", c.first, c.last, c.n, b)
			}
			prev = b
		}
	}
}
