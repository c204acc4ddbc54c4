package planner

import (
	"time"

	"github.com/hashicorp/hcl/v2"
)

// encoding_corruption and typos: text data-quality kinds whose new value
// is computed in SQL from the old one (expressions in ir_edits.go).

func init() {
	register(&Kind{
		Name:          "encoding_corruption",
		Category:      Quality,
		Summary:       "turn a share of a text column's non-ASCII values into mojibake (UTF-8 read as Latin-1: café → cafÃ©)",
		Description:   "Rewrites a share (volume) of the column's values in the window that hold at least one non-ASCII character as their UTF-8 bytes decoded as Latin-1 / Windows-1252 and stored again (\"café\" → \"cafÃ©\", \"Müller\" → \"MÃ¼ller\"), as a pipeline step with the wrong character set would. ASCII-only values read the same either way, so they are not eligible: neither chosen nor counted, and the volume is a share of the non-ASCII values. Computed in SQL: PostgreSQL convert_from(convert_to(x, 'UTF8'), 'LATIN1') (ISO-8859-1: bytes 0x80-0x9F become C1 control characters; needs a UTF8 database); MySQL/MariaDB CONVERT(... USING latin1) of the value's utf8mb4 bytes, which is Windows-1252 (\"’\" → \"â€™\"), stored back in the column's character set; SQLite a Go function with MySQL's reading; Oracle CONVERT(x, 'AL32UTF8', 'WE8MSWIN1252') (needs an AL32UTF8 database; VARCHAR2 columns). Values grow (one character becomes two or three), so a narrow column may refuse them. The default (20%) turns 20% of the day's non-ASCII values into mojibake: the daily share of values containing Ã or Â goes from 0 to 20% of them (not measured: the demo shop's text is ASCII).",
		Monitor:       "validity: the share of values matching mojibake patterns (Ã, Â, â€) jumps from 0 to the volume of the non-ASCII values; distinct values multiply; mean byte length grows",
		NeedsColumn:   true,
		Suits:         textColumn,
		ColumnTypes:   "text columns (char, varchar, text) holding UTF-8 text, not part of the key",
		DefaultVolume: 0.2,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Requires: []Requirement{{
			Has: func(c Capabilities) bool { return c.Reencode },
			Why: func(c Capabilities) string {
				return c.Database + " cannot re-read a text's bytes in another character set reliably in SQL (SQL Server does it only through collations, with results that depend on the database's default collation), so mojibake cannot be computed there"
			},
		}},
		Example: `anomaly "encoding_corruption" "latin1_emails" {
  target = target.orders
  column = "email"
  volume = 0.2
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			b.Where.SkipNull = true
			return b.set(Mojibake{}), nil
		},
	})
	register(&Kind{
		Name:          "typos",
		Category:      Quality,
		Summary:       "make one keyboard typo in a share of a text column's values (neighbour key, deletion, duplication, transposition)",
		Description:   "Makes one edit in a share (volume) of the column's non-empty values in the window, as manual data entry would: with the hash of the seed and the key choosing the type (a quarter each) and the position (hash modulo the length), it replaces the character by its right-hand neighbour on a QWERTY keyboard (the left-hand one at the end of a row; letters keep their case, digits too; other characters are doubled instead), deletes it, doubles it, or swaps it with the next one. Values of one character are doubled instead of deleted or swapped, so no value becomes empty. A swap of two equal characters would leave the value as it is: such rows are left out (not counted, not journaled). Computed in SQL on every database with substring, length and position functions. The default (20%) misspells 20% of the day's values: for a category column the daily share of values outside the accepted set goes from 0 to about 20%, for e-mails the share failing validation or matching no customer rises by up to 20%. Measured on the demo shop with the example's column: at the defaults a daily monitor sees the share of 'paid' in status at z = −37.",
		Monitor:       "validity/consistency: the share of values outside the accepted set (or failing a pattern, or not joining) jumps to about the volume; new rare distinct values appear at edit distance 1 from common ones",
		NeedsColumn:   true,
		Suits:         textColumn,
		ColumnTypes:   "text columns that are not part of the key",
		DefaultVolume: 0.2,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Example: `anomaly "typos" "misspelt_status" {
  target = target.orders
  column = "status"
  volume = 0.2
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			b.Where.SkipNull = true
			return b.set(Typo{Seed: b.Where.Seed + 1}), nil
		},
	})
}
