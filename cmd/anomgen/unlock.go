package main

import (
	"fmt"

	"github.com/anomgen/anomgen/state"
	"github.com/spf13/cobra"
)

func (a *app) forceUnlockCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "force-unlock ID",
		Short: "Release a stale state lock (the ID is in the error that names the holder)",
		Long: `Release a stale state lock. The lock is an operating-system file lock that
is released when its process exits, so a lock outlives its run only when the
process hangs or the state folder is on a file system without such locks.
The error of a run that found the lock names the holder and the lock id; give
that id here. The holder, if it still runs, goes on without the lock.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			holder, err := state.ForceUnlock(a.statePath()+".lock", args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "%s the lock held by %s.\n", a.paint(green, "Released"), holder)
			return nil
		},
	}
}
