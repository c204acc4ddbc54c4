//go:build race

package main

// The crash tests build the binary with -race too when the tests run with
// it, so that the build reuses the packages the test build compiled.
func init() { raceEnabled = true }
