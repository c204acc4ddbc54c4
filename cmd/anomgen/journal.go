package main

import (
	"bufio"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/anomgen/anomgen/state"
	"github.com/spf13/cobra"
)

func (a *app) journalCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "journal", Short: "Manage the journals (before-images) kept in the databases"}
	var all, autoApprove bool
	purge := &cobra.Command{
		Use:   "purge ADDR... | -all",
		Short: "Delete journals without restoring: the changes stay and can no longer be rolled back",
		Long: `Delete the journals of applied anomalies from their databases without
restoring them. Journals hold before-images of your data (changed values and
whole deleted rows); purge them when the anomalies are to stay for good, or
when a copy of customer data must not linger. The changed rows stay as they
are, can no longer be rolled back, and the anomalies leave the state.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && !all {
				return errors.New("name the anomalies whose journals to purge, or use -all; `anomgen state list` shows them")
			}
			s, err := a.open(cmd.Context(), openOptions{lockOp: "journal purge", only: args})
			if err != nil {
				return connectError(err)
			}
			defer s.close()
			var chosen []*state.Anomaly
			for _, an := range s.st.Anomalies {
				if all || contains(args, an.Address) {
					chosen = append(chosen, an)
				}
			}
			for _, addr := range args {
				if s.st.Get(addr) == nil {
					return fmt.Errorf("%s is not applied (not in the state); `anomgen state list` shows what is", addr)
				}
			}
			if len(chosen) == 0 {
				fmt.Fprintln(a.out, "No journals to purge.")
				return nil
			}
			sort.Slice(chosen, func(i, j int) bool { return chosen[i].Address < chosen[j].Address })
			fmt.Fprintln(a.err, a.paint(bold+red, "WARNING: purging a journal makes its anomaly permanent: the changed rows can no longer be restored."))
			dbs := map[string]bool{}
			for _, an := range chosen {
				fmt.Fprintf(a.err, "  %s: journal %s on %s (%d rows)\n", an.Address, an.Journal.ID, an.Source, an.Rows)
				if c := s.eng.Conn(an.Source); c != nil {
					dbs[c.Database] = true
				}
			}
			if !autoApprove {
				if !a.isTerminal() {
					return errors.New("refusing to purge without confirmation: standard input is not a terminal; run again with -auto-approve")
				}
				fmt.Fprint(a.err, "\nType \"purge\" to confirm: ")
				line, _ := bufio.NewReader(a.in).ReadString('\n')
				if strings.TrimSpace(line) != "purge" {
					return errors.New("purge cancelled; nothing was changed")
				}
			}
			for _, an := range chosen {
				if err := s.eng.Purge(cmd.Context(), an, s.st, s.saveState); err != nil {
					return err
				}
			}
			fmt.Fprintf(a.out, "%s %s.\n", a.paint(green, "Purged"), counted(len(chosen), "journal", "journals"))
			return nil
		},
	}
	purge.Flags().BoolVar(&all, "all", false, "purge every journal this state knows about")
	purge.Flags().BoolVar(&autoApprove, "auto-approve", false, "skip the confirmation")
	cmd.AddCommand(purge)
	return cmd
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
