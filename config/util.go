package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FormatDuration prints whole days as "7d" and other spans as Go does,
// without trailing zero units ("2h", "1h30m"): ParseDuration reads it back.
func FormatDuration(d time.Duration) string {
	day := 24 * time.Hour
	switch {
	case d >= day && d%day == 0:
		return fmt.Sprintf("%dd", d/day)
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return strings.TrimSuffix(d.String(), "0s")
	}
	return d.String()
}

// ParseDuration accepts Go durations ("90m", "1h30m") plus days and weeks
// ("7d", "2w", "1d12h").
func ParseDuration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("empty duration: write e.g. \"24h\", \"7d\" or \"90m\"")
	}
	var total time.Duration
	rest := in
	for _, unit := range []struct {
		suffix string
		d      time.Duration
	}{{"w", 7 * 24 * time.Hour}, {"d", 24 * time.Hour}} {
		if i := strings.Index(rest, unit.suffix); i > 0 {
			n, err := strconv.Atoi(rest[:i])
			if err != nil {
				return 0, fmt.Errorf("invalid duration %q: write e.g. \"24h\", \"7d\", \"1d12h\" or \"90m\"", in)
			}
			total += time.Duration(n) * unit.d
			rest = rest[i+1:]
		}
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q: write e.g. \"24h\", \"7d\", \"1d12h\" or \"90m\"", in)
		}
		total += d
	}
	return total, nil
}

// ParseTime accepts RFC 3339 ("2026-11-20T00:00:00Z"), a date
// ("2026-11-20", midnight UTC) or "2026-11-20 13:00:00" (UTC).
func ParseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02", "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time anomgen reads: write RFC 3339 such as \"2026-11-20T00:00:00Z\", or a date such as \"2026-11-20\"", s)
}

// Nearest returns the candidate closest to name when it is close enough to
// be a likely typo, or "".
func Nearest(name string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if d := distance(strings.ToLower(name), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if bestD <= 2 || (bestD <= len(name)/3 && bestD <= 4) {
		return best
	}
	return ""
}

// distance is the Levenshtein edit distance.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
