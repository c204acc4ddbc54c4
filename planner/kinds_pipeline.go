package planner

import "time"

func init() {
	register(&Kind{
		Name:          "volume_drop",
		Category:      Pipeline,
		Summary:       "delete a share of the rows in the window (rows are kept in the journal)",
		Monitor:       "the row count per day/hour falls by volume in the window",
		DefaultVolume: 0.5,
		DefaultWindow: 24 * time.Hour,
		Build: func(b *build) *Mutation {
			return &Mutation{Op: OpDelete, Where: b.Where}
		},
	})
}
