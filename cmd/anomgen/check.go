package main

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/executor"
	"github.com/spf13/cobra"
)

func (a *app) checkCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check [SOURCE...]",
		Short: "Check that each source is reachable and grants what apply and rollback need",
		Long: `Connect to each source (every one, or the named addresses such as
source.postgres.shop) and check, one line per item: that the server answers,
that the user is let in, the server version, the privileges apply and
rollback need on every target table of the source (SELECT, UPDATE, DELETE,
INSERT), and whether the journal schema exists or may be created. Every
missing privilege comes with the GRANT that fixes it. Nothing is changed.
The exit code is 1 when anything is missing.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			addrs := args
			if len(addrs) == 0 {
				for _, s := range cfg.Sources {
					addrs = append(addrs, s.Addr())
				}
			}
			var known []string
			for _, s := range cfg.Sources {
				known = append(known, s.Addr())
			}
			for _, addr := range addrs {
				if cfg.Source(addr) == nil {
					return fmt.Errorf("%s is not declared in the scenario files; the sources are: %s", addr, strings.Join(known, ", "))
				}
			}
			if len(addrs) == 0 {
				return fmt.Errorf("the scenario files declare no source")
			}
			eng := a.engine(cfg)
			defer eng.Close()
			problems, failing := 0, 0
			for i, addr := range addrs {
				if i > 0 {
					fmt.Fprintln(a.out)
				}
				sc := eng.Check(cmd.Context(), addr)
				a.printCheck(sc)
				if n := sc.Problems(); n > 0 {
					problems += n
					failing++
				}
			}
			fmt.Fprintln(a.out)
			if problems > 0 {
				fmt.Fprintf(a.out, "%s %d %s in %d of %d %s. Fix them (run the GRANT statements as an administrator), then check again.\n",
					a.paint(red, "Check failed:"), problems, plural(problems, "problem", "problems"), failing, len(addrs), plural(len(addrs), "source", "sources"))
				return exitError{1}
			}
			fmt.Fprintf(a.out, "%s %d %s ready for plan, apply and rollback.\n", a.paint(bold+green, "Check passed:"), len(addrs), plural(len(addrs), "source", "sources"))
			return nil
		},
	}
}

func (a *app) printCheck(sc executor.SourceCheck) {
	fmt.Fprintf(a.out, "%s (%s)\n", sc.Source, sc.Where)
	for _, it := range sc.Items {
		mark := map[executor.CheckStatus]string{
			executor.CheckOK:      a.paint(green, "✓"),
			executor.CheckFailed:  a.paint(red, "✗"),
			executor.CheckSkipped: "-",
			executor.CheckNote:    a.paint(yellow, "!"),
		}[it.Status]
		fmt.Fprintf(a.out, "  %s %s\n", mark, it.Text)
		if it.Fix != "" && it.Status != executor.CheckOK {
			fmt.Fprintf(a.out, "      fix: %s\n", it.Fix)
		}
	}
}

// counted is n with its noun: "1 source", "2 sources".
func counted(n int, one, many string) string { return fmt.Sprintf("%d %s", n, plural(n, one, many)) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
