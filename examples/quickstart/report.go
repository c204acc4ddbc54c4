package quickstart

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"
)

// Day is one day of the orders table's health metrics.
type Day struct {
	Date time.Time
	// Orders is the number of orders that day.
	Orders int64
	// NullEmail is the share of that day's orders without an email.
	NullEmail float64
	// MeanAmount is the average order amount.
	MeanAmount float64
}

// Daily returns the orders metrics per UTC day for the days in [from, to).
func Daily(ctx context.Context, db *sql.DB, from, to time.Time) ([]Day, error) {
	rows, err := db.QueryContext(ctx, `SELECT substr(created_at, 1, 10) AS day, COUNT(*),
			AVG(CASE WHEN email IS NULL THEN 1.0 ELSE 0.0 END), AVG(amount)
		FROM orders WHERE created_at >= ? AND created_at < ? GROUP BY day ORDER BY day`,
		from.UTC().Format(TimeLayout), to.UTC().Format(TimeLayout))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Day
	for rows.Next() {
		var d Day
		var day string
		if err := rows.Scan(&day, &d.Orders, &d.NullEmail, &d.MeanAmount); err != nil {
			return nil, err
		}
		if d.Date, err = time.Parse("2006-01-02", day); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Checksum is a SHA-256 over every column of every row of table, in key
// order, including each value's storage class, so that any change to any
// byte shows.
func Checksum(ctx context.Context, db *sql.DB, table, key string) (string, error) {
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT * FROM %q ORDER BY %q`, table, key))
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		for _, v := range vals {
			fmt.Fprintf(h, "%T:%v|", v, v)
		}
		h.Write([]byte{'\n'})
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
