package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

func (r *results) writeJSON(w io.Writer) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(r)
}

func secs(v float64) string {
	if v == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2fs", v)
}

func (r *results) writeTable(w io.Writer) {
	fmt.Fprintf(w, "\nanomgen fleet benchmark, %s: %d customers × %d tables × %d rows (%d days), %d anomalies, parallelism %d, %d CPUs, anomgen as %s\n",
		r.Date, r.Customers, r.Tables, r.Rows, r.Days, r.Anomalies, r.Parallelism, r.CPUs, r.Mode)
	order := "anomgen first, then the hand-written SQL"
	if r.HandFirst {
		order = "the hand-written SQL first, then anomgen"
	}
	fmt.Fprintf(w, "seeding took %.1fs; %s\n\n", r.SeedSeconds, order)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\tanomgen\thand-written\tratio\trows\thand rows\tanomgen peak RSS\t")
	for _, s := range r.Steps {
		ratio := "—"
		if s.Ratio > 0 {
			ratio = fmt.Sprintf("%.2f×", s.Ratio)
		}
		hr := "—"
		if s.HandRows > 0 {
			hr = fmt.Sprint(s.HandRows)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%.1f MB\t\n", s.Step, secs(s.Anomgen), secs(s.Hand), ratio, s.Rows, hr, float64(s.RSSKB)/1024)
	}
	var ag, hw float64
	for _, s := range r.Steps {
		if !s.NotInTotal {
			ag += s.Anomgen
			hw += s.Hand
		}
	}
	fmt.Fprintf(tw, "total\t%s\t%s\t\t\t\t\t\n", secs(ag), secs(hw))
	tw.Flush()
	r.writeCPU(w)
	var extra []string
	for _, s := range r.Steps {
		if s.NotInTotal {
			extra = append(extra, s.Step)
		}
	}
	if len(extra) > 0 {
		fmt.Fprintf(w, "(%s: the plain commands, which plan again, measured for comparison after the reviewed flow from the same vacuumed start; not in the totals)\n", strings.Join(extra, ", "))
	}
	fmt.Fprintf(w, "\nchecksums equal to the seeded data: %d of %d tables after anomgen rollback, %d of %d after the hand-written restore\n",
		r.ChecksumsAfterRollback, r.TablesChecked, r.ChecksumsAfterRestore, r.TablesChecked)
	if r.Big != nil {
		r.Big.writeTable(w)
	}
}

// writeCPU prints the CPU seconds of the steps measured on both sides,
// client + server, where the server runs on this machine.
func (r *results) writeCPU(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	any := false
	for _, s := range r.Steps {
		if s.AnomgenServerCPU == 0 {
			continue
		}
		if !any {
			fmt.Fprintln(w, "\nCPU seconds, client + database server (the server on this machine, read from /proc):")
			fmt.Fprintln(tw, "step\tanomgen\thand-written\tserver ratio\t")
			any = true
		}
		ratio := "—"
		if s.HandServerCPU > 0 {
			ratio = fmt.Sprintf("%.2f×", s.AnomgenServerCPU/s.HandServerCPU)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", s.Step, cpuText(s.AnomgenCPU, s.AnomgenServerCPU), cpuText(s.HandCPU, s.HandServerCPU), ratio)
	}
	tw.Flush()
}
