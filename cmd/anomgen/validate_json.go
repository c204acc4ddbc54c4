package main

import (
	"encoding/json"
	"strings"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/planner"
	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"
)

// validateJSON is the object validate -json prints, shaped like the one
// terraform validate -json prints.
type validateJSON struct {
	FormatVersion string               `json:"format_version"`
	Valid         bool                 `json:"valid"`
	ErrorCount    int                  `json:"error_count"`
	WarningCount  int                  `json:"warning_count"`
	Diagnostics   []validateDiagnostic `json:"diagnostics"`
}

type validateDiagnostic struct {
	Severity string         `json:"severity"` // "error" or "warning"
	Summary  string         `json:"summary"`
	Detail   string         `json:"detail"`
	Range    *validateRange `json:"range,omitempty"`
}

type validateRange struct {
	Filename string      `json:"filename"`
	Start    validatePos `json:"start"`
	End      validatePos `json:"end"`
}

type validatePos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// withValidateJSON adds -json to the validate command: the diagnostics as
// one JSON object on standard output instead of text on standard error.
func (a *app) withValidateJSON(cmd *cobra.Command) *cobra.Command {
	var asJSON bool
	text := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if !asJSON {
			return text(cmd, args)
		}
		return a.validateJSON()
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON: valid, error_count, warning_count and diagnostics with severity, summary, detail and range (exit 1 when invalid)")
	return cmd
}

func (a *app) validateJSON() error {
	diags := a.validateDiags()
	out := validateJSON{FormatVersion: "1.0", Diagnostics: []validateDiagnostic{}}
	for _, d := range diags {
		vd := validateDiagnostic{Severity: "error", Summary: a.redact.redact(d.Summary), Detail: a.redact.redact(d.Detail)}
		if d.Severity == hcl.DiagWarning {
			vd.Severity = "warning"
			out.WarningCount++
		} else {
			out.ErrorCount++
		}
		if r := d.Subject; r != nil {
			vd.Range = &validateRange{
				Filename: a.redact.redact(r.Filename),
				Start:    validatePos{r.Start.Line, r.Start.Column, r.Start.Byte},
				End:      validatePos{r.End.Line, r.End.Column, r.End.Byte},
			}
		}
		out.Diagnostics = append(out.Diagnostics, vd)
	}
	out.Valid = out.ErrorCount == 0
	enc := json.NewEncoder(a.out) // a.out redacts too
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	if !out.Valid {
		return exitError{1}
	}
	return nil
}

// validateDiags loads and validates the scenario files as loadConfig does,
// returning the diagnostics instead of printing them. The secrets the
// files hold in themselves (sensitive variables, literal passwords) are
// registered with the redactor first.
func (a *app) validateDiags() hcl.Diagnostics {
	vars := map[string]string{}
	for _, v := range a.vars {
		name, val, ok := strings.Cut(v, "=")
		if !ok || name == "" {
			return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid -var", Detail: "A -var without a name: write -var name=value (the value is not repeated here: it may be a secret)."}}
		}
		vars[name] = val
	}
	cfg, diags := config.Load(a.dir, config.Options{Vars: vars, VarFiles: a.varFiles})
	if cfg != nil {
		a.redact.add(sensitiveValues(cfg))
		for _, s := range cfg.Sources {
			for _, sec := range []config.Secret{s.Password, s.DSN, s.UsernameSecret} {
				a.redact.add(sec.Sensitive())
			}
			for _, sec := range s.SecretOptions {
				a.redact.add(sec.Sensitive())
			}
		}
	}
	if cfg != nil && !diags.HasErrors() {
		diags = append(diags, planner.Validate(cfg)...)
	}
	return diags
}
