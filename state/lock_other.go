//go:build !unix

package state

import (
	"errors"
	"os"
)

func tryLock(f *os.File) (bool, error) {
	return false, errors.New("state locking is only supported on unix systems")
}

func unlock(f *os.File) error { return nil }
