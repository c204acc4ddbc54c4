package main

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
	"github.com/spf13/cobra"
)

func (a *app) stateCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "state", Short: "Inspect and repair the state: what this workspace applied where"}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List applied anomalies: status, table and column, rows, journal",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.readState(cmd.Context())
			if err != nil {
				return err
			}
			if len(st.Anomalies) == 0 {
				fmt.Fprintln(a.out, "Nothing is applied.")
				return nil
			}
			tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ADDRESS\tSTATUS\tWHERE\tROWS\tJOURNAL\tAPPLIED")
			for _, an := range st.Anomalies {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", an.Address, status(an), where(an), planner.Thousands(an.Rows), an.Journal.ID, an.AppliedAt.UTC().Format(time.RFC3339))
			}
			return tw.Flush()
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "show ADDR",
		Short: "Show one applied anomaly",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.readState(cmd.Context())
			if err != nil {
				return err
			}
			an := st.Get(args[0])
			if an == nil {
				return fmt.Errorf("%s is not in the state; `anomgen state list` shows what is applied", args[0])
			}
			kv := func(k, v string) { fmt.Fprintf(a.out, "  %-11s = %s\n", k, v) }
			fmt.Fprintf(a.out, "# %s\n", an.Address)
			kv("kind", an.Kind)
			kv("status", status(an))
			if an.Lost != "" {
				kv("lost", an.Lost)
			}
			kv("source", an.Source)
			kv("target", an.Target)
			kv("table", journalTable(an))
			if an.Column != "" {
				kv("column", an.Column)
			}
			if an.Window != nil {
				kv("window", planner.FormatWindow(an.Window))
			}
			kv("rows", planner.Thousands(an.Rows))
			kv("journal", fmt.Sprintf("%s (%s, keyed by %s)", an.Journal.ID, an.Journal.Op, strings.Join(an.Journal.Key, ", ")))
			kv("applied_at", an.AppliedAt.Format(time.RFC3339))
			if an.ExpiresAt != nil {
				kv("expires_at", an.ExpiresAt.Format(time.RFC3339))
			}
			if an.Conflicts > 0 {
				kv("conflicts", fmt.Sprintf("%d rows left alone by the last rollback", an.Conflicts))
			}
			if an.Workspace != "" {
				kv("workspace", an.Workspace)
			}
			kv("lineage", an.Lineage)
			kv("params_hash", an.ParamsHash)
			return nil
		},
	})
	cmd.AddCommand(a.stateRecoverCmd(), a.stateForgetCmd())
	return cmd
}

func status(an *state.Anomaly) string {
	if b := an.Batches; an.Status == "" && b != nil && b.Partial { // batched, stopped part way (executor/batch.go)
		return fmt.Sprintf("partial (%d of ~%d batches)", b.Done, b.Estimate)
	}
	if an.Status == "" {
		return "applied"
	}
	return an.Status
}

// journalTable is the table an applied anomaly changed, as its journal
// records it.
func journalTable(an *state.Anomaly) string {
	return planner.TableName{Schema: an.Journal.TableSchema, Name: an.Journal.Table}.String()
}

func where(an *state.Anomaly) string {
	w := journalTable(an)
	if an.Column != "" {
		w += "." + an.Column
	}
	return an.Source + " " + w
}

func (a *app) stateRecoverCmd() *cobra.Command {
	var lineage string
	cmd := &cobra.Command{
		Use:   "recover [-lineage ID]",
		Short: "Adopt the anomalies a lost state file recorded, from the journal catalogs",
		Long: `Adopt into this folder's state the anomalies that another state lineage
applied on this folder's sources, as the journal catalogs in the databases
record them: for a state file that was lost or deleted. Without -lineage it
adopts the lineage whose workspace name matches this folder's
anomgen { workspace = "..." } when exactly one does; otherwise it lists the
lineages it found and what each holds, and changes nothing. It refuses when
the state already records applied anomalies. Nothing in the databases
changes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.open(cmd.Context(), openOptions{lockOp: "state recover"})
			if err != nil {
				return connectError(err)
			}
			defer s.close()
			groups := map[string][]executor.Other{}
			var order []string
			for _, o := range s.eng.Others() {
				if o.Status == state.StatusExpired {
					continue
				}
				if _, ok := groups[o.Lineage]; !ok {
					order = append(order, o.Lineage)
				}
				groups[o.Lineage] = append(groups[o.Lineage], o)
			}
			if len(groups) == 0 {
				fmt.Fprintln(a.out, "Nothing to recover: the journal catalogs of this folder's sources hold no anomalies of other state lineages.")
				return nil
			}
			chosen := lineage
			if chosen == "" && s.cfg.Workspace != "" {
				var match []string
				for _, l := range order {
					if groups[l][0].Workspace == s.cfg.Workspace {
						match = append(match, l)
					}
				}
				if len(match) == 1 {
					chosen = match[0]
				}
			}
			if chosen != "" && groups[chosen] == nil {
				return fmt.Errorf("no anomalies of lineage %s are in the journal catalogs of this folder's sources; run `anomgen state recover` without -lineage to list what is there", chosen)
			}
			declared := map[string]bool{}
			for _, an := range s.cfg.Anomalies {
				declared[an.Addr()] = true
			}
			list := func(l string) {
				os := groups[l]
				ws := "no workspace name"
				if os[0].Workspace != "" {
					ws = fmt.Sprintf("workspace %q", os[0].Workspace)
				}
				fmt.Fprintf(a.out, "lineage %s (%s): %d anomalies\n", l, ws, len(os))
				tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
				for _, o := range os {
					here := "declared here"
					if !declared[o.Address] {
						here = "not in these scenario files (the next apply would roll it back)"
					}
					fmt.Fprintf(tw, "  %s\t%s\t%s rows\tapplied %s\t%s\n", o.Address, where(o.Anomaly), planner.Thousands(o.Rows), o.AppliedAt.UTC().Format(time.RFC3339), here)
				}
				_ = tw.Flush()
			}
			if chosen == "" {
				sort.Strings(order)
				for _, l := range order {
					list(l)
				}
				why := "this folder declares no workspace name"
				if s.cfg.Workspace != "" {
					why = fmt.Sprintf("none or several of them are workspace %q", s.cfg.Workspace)
				}
				return fmt.Errorf("nothing adopted: %s, so anomgen cannot tell which lineage is this folder's. If one of them is, run `anomgen state recover -lineage ID`", why)
			}
			list(chosen)
			adopted, err := s.eng.Recover(s.st, chosen)
			if err != nil {
				return err
			}
			if err := s.saveState(s.st); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "%s %s of lineage %s; this folder's state now has that lineage. `anomgen plan` shows them.\n", a.paint(green, "Recovered"), counted(len(adopted), "anomaly", "anomalies"), chosen)
			return nil
		},
	}
	cmd.Flags().StringVar(&lineage, "lineage", "", "adopt the anomalies of state lineage `ID` (as listed)")
	return cmd
}

func (a *app) stateForgetCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "forget ADDR...",
		Short: "Drop the record of anomalies whose journal is lost (their changes stay)",
		Long: `Drop from the state (and from the journal catalog, where its entry
remains) the record of anomalies whose journal was lost: dropped outside
anomgen, so that their changes cannot be rolled back. The changed rows stay as
they are. An anomaly whose journal is intact is refused: roll it back, or
purge its journal (anomgen journal purge) to keep its change for good.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.open(cmd.Context(), openOptions{lockOp: "state forget", only: args})
			if err != nil {
				return connectError(err)
			}
			defer s.close()
			if s.refreshed {
				if err := s.saveState(s.st); err != nil {
					return err
				}
			}
			for _, addr := range args {
				an := s.st.Get(addr)
				switch {
				case an == nil:
					return fmt.Errorf("%s is not in the state; `anomgen state list` shows what is", addr)
				case an.Status != state.StatusLost:
					return fmt.Errorf("%s has its journal (status %s): `anomgen rollback %s` restores it, `anomgen journal purge %s` keeps its change for good", addr, status(an), addr, addr)
				}
				if err := s.eng.Forget(cmd.Context(), an, s.st, s.saveState); err != nil {
					return err
				}
				fmt.Fprintf(a.out, "%s %s: %s rows of %s stay as they are.\n", a.paint(green, "Forgot"), addr, planner.Thousands(an.Rows), where(an))
			}
			return nil
		},
	}
}
